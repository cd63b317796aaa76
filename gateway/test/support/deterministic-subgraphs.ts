import type { Server, ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import { ApolloServer } from '@apollo/server';
import { ApolloServerPluginInlineTraceDisabled } from '@apollo/server/plugin/disabled';
import { buildSubgraphSchema } from '@apollo/subgraph';
import type { GraphQLResolverMap } from '@apollo/subgraph/dist/schema-helper';
import { createGraphQLHandler, createHttpServer, listen } from '@shop/platform/http';
import { createLogger } from '@shop/platform/logger';
import { createMetrics } from '@shop/platform/metrics';
import {
  type GraphQLEnumType,
  GraphQLError,
  type GraphQLField,
  type GraphQLOutputType,
  type GraphQLSchema,
  getNamedType,
  isAbstractType,
  isEnumType,
  isListType,
  isNonNullType,
  isObjectType,
  isScalarType,
  parse,
} from 'graphql';

/**
 * How a subgraph answers: normally; with a GraphQL error and no data for every request; with an
 * HTTP 500 and a body that is not GraphQL; or not at all (each connection closed as it opens).
 */
export type SubgraphBehaviour = 'up' | 'errors' | 'http-500' | 'down';

export interface DeterministicSubgraph {
  name: string;
  typeDefs: string;
  url: string;
  set(behaviour: SubgraphBehaviour): void;
  close(): Promise<void>;
}

/** An object a resolver hands down: the seed its fields are computed from, and any fields it already has. */
interface Seeded {
  __seed: string;
  [field: string]: unknown;
}

/** FNV-1a: a small, stable hash, so that every answer is a pure function of the question. */
export function hash(text: string): number {
  let value = 0x811c9dc5;
  for (let index = 0; index < text.length; index++) {
    value ^= text.charCodeAt(index);
    value = Math.imul(value, 0x01000193) >>> 0;
  }
  return value;
}

function stableJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(stableJson).join(',')}]`;
  if (value !== null && typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>).sort(([a], [b]) => a.localeCompare(b));
    return `{${entries.map(([key, item]) => `${JSON.stringify(key)}:${stableJson(item)}`).join(',')}}`;
  }
  return JSON.stringify(value) ?? 'null';
}

const ERROR_CODES = ['NOT_FOUND', 'FORBIDDEN', 'BAD_USER_INPUT', 'DATABASE_DOWN'];

/**
 * Resolvers for every field of a subgraph schema whose answers depend only on the parent (its
 * seed, or the entity representation it came from), the field and its arguments: any gateway
 * asking the same thing gets the same answer, whatever its batching or order. A few fields
 * fail with an error (some with public codes, some to be masked), some nullable ones are null,
 * and now and then a non-null one is null too (the subgraph's own null propagation).
 */
function deterministicResolvers(
  schema: GraphQLSchema,
  entityTypes: ReadonlySet<string>,
): GraphQLResolverMap<unknown> {
  const resolvers: GraphQLResolverMap<unknown> = {};
  for (const type of Object.values(schema.getTypeMap())) {
    if (type.name.startsWith('_')) continue;
    if (isAbstractType(type)) {
      const possible = schema.getPossibleTypes(type);
      resolvers[type.name] = {
        __resolveType: (value: { __typename: string }) => value.__typename,
        // An entity interface's reference becomes one of its types, chosen by the reference.
        ...(entityTypes.has(type.name) && {
          __resolveReference: (reference: Record<string, unknown>) => {
            const seed = `${type.name}${stableJson(reference)}`;
            return { ...reference, __seed: seed, __typename: possible[hash(seed) % possible.length]?.name };
          },
        }),
      } as GraphQLResolverMap<unknown>[string];
      continue;
    }
    if (!isObjectType(type)) continue;
    const fields: Record<string, unknown> = {};
    for (const field of Object.values(type.getFields())) {
      if (field.name.startsWith('_')) continue;
      fields[field.name] = (parent: Seeded | undefined, args: Record<string, unknown>) =>
        resolveField(schema, type.name, field, parent, args);
    }
    if (entityTypes.has(type.name))
      fields.__resolveReference = (reference: Record<string, unknown>) => ({
        ...reference,
        __seed: `${type.name}${stableJson(reference)}`,
      });
    resolvers[type.name] = fields as GraphQLResolverMap<unknown>[string];
  }
  return resolvers;
}

function resolveField(
  schema: GraphQLSchema,
  typeName: string,
  field: GraphQLField<unknown, unknown>,
  parent: Seeded | undefined,
  args: Record<string, unknown>,
): unknown {
  if (parent && Object.hasOwn(parent, field.name)) return parent[field.name];
  const seed = `${parent?.__seed ?? typeName}.${field.name}${stableJson(args)}`;
  const roll = hash(seed);
  if (roll % 31 === 0) {
    const code = ERROR_CODES[roll % ERROR_CODES.length];
    throw new GraphQLError(`${typeName}.${field.name} failed (${roll % 1000})`, { extensions: { code } });
  }
  return answerOf(schema, field.type, seed, roll);
}

function answerOf(schema: GraphQLSchema, type: GraphQLOutputType, seed: string, roll: number): unknown {
  let inner = type;
  if (isNonNullType(type)) {
    if (roll % 43 === 1) return null;
    inner = type.ofType;
  } else if (roll % 9 === 0) return null;
  if (isListType(inner)) {
    return Array.from({ length: roll % 4 }, (_, index) =>
      answerOf(schema, inner.ofType, `${seed}[${index}]`, hash(`${seed}[${index}]`)),
    );
  }
  const named = getNamedType(inner);
  if (isAbstractType(named)) {
    const possible = schema.getPossibleTypes(named).filter((candidate) => !candidate.name.startsWith('_'));
    const chosen = possible[roll % possible.length];
    return chosen ? { __seed: seed, __typename: chosen.name } : null;
  }
  if (isObjectType(named)) return { __seed: seed };
  if (isEnumType(named)) return enumValue(named, roll);
  if (isScalarType(named)) return scalarValue(named.name, seed, roll);
  return null;
}

function enumValue(type: GraphQLEnumType, roll: number): string | null {
  const values = type.getValues();
  return values[roll % values.length]?.name ?? null;
}

function scalarValue(name: string, seed: string, roll: number): unknown {
  switch (name) {
    case 'ID':
      // A small range, so that the same entity comes up again in one answer (de-duplication).
      return `id-${roll % 40}`;
    case 'String':
      return `${seed.slice(seed.lastIndexOf('.') + 1, seed.lastIndexOf('.') + 12)}-${roll % 1000}`;
    case 'Int':
      return roll % 200;
    case 'Float':
      return (roll % 1000) / 8;
    case 'Boolean':
      return roll % 2 === 0;
    default:
      return new Date(Date.UTC(2026, 0, 1) + (roll % 100_000) * 60_000).toISOString();
  }
}

function entityTypeNames(typeDefs: string): Set<string> {
  const names = new Set<string>();
  for (const definition of parse(typeDefs).definitions) {
    if (!('name' in definition) || !definition.name || !('directives' in definition)) continue;
    if (definition.directives?.some((directive) => directive.name.value === 'key'))
      names.add(definition.name.value);
  }
  return names;
}

/** One subgraph SDL served over real HTTP with deterministic resolvers, its behaviour switchable. */
export async function serveDeterministicSubgraph(
  name: string,
  typeDefs: string,
): Promise<DeterministicSubgraph> {
  const document = parse(typeDefs);
  const bare = buildSubgraphSchema({ typeDefs: document });
  const resolvers = deterministicResolvers(bare, entityTypeNames(typeDefs));
  const apollo = new ApolloServer({
    schema: buildSubgraphSchema({ typeDefs: document, resolvers }),
    plugins: [ApolloServerPluginInlineTraceDisabled()],
  });
  await apollo.start();
  const handler = createGraphQLHandler(apollo, { context: async () => ({}), bodyLimitBytes: 10_000_000 });
  let behaviour: SubgraphBehaviour = 'up';
  const answer = (res: ServerResponse, status: number, type: string, body: string) => {
    res.writeHead(status, { 'content-type': type });
    res.end(body);
  };
  const server: Server = createHttpServer({
    logger: createLogger(name, 'silent'),
    metrics: createMetrics(name),
    routes: {
      'POST /graphql': async (req, res) => {
        if (behaviour === 'up') return handler(req, res);
        for await (const _ of req);
        if (behaviour === 'http-500') return answer(res, 500, 'text/plain', 'upstream exploded');
        const errors = [{ message: `${name} is failing`, extensions: { code: 'NOT_FOUND' } }];
        answer(res, 200, 'application/json', JSON.stringify({ data: null, errors }));
      },
    },
  });
  const sockets = new Set<Socket>();
  server.on('connection', (socket: Socket) => {
    if (behaviour === 'down') {
      socket.destroy();
      return;
    }
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });
  const port = await listen(server, '127.0.0.1', 0);
  return {
    name,
    typeDefs,
    url: `http://127.0.0.1:${port}/graphql`,
    set(next) {
      behaviour = next;
      // Kept-alive connections would let a 'down' subgraph still answer.
      if (next === 'down') for (const socket of sockets) socket.destroy();
    },
    async close() {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await apollo.stop();
    },
  };
}
