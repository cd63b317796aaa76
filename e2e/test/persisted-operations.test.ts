import { readFileSync } from 'node:fs';
import {
  buildSchema,
  type GraphQLInputType,
  isEnumType,
  isInputObjectType,
  isListType,
  isNonNullType,
  Kind,
  parse,
  print,
  typeFromAST,
} from 'graphql';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as clientDocuments from '../../schema/__generated__/graphql';
import { gatewaySubscriptionClient } from '../src/gateway-subscriptions';
import { startTestStack, type TestStack } from '../src/test-stack';

/**
 * The shop's own client operations (the storefront's and the others', through `npm run codegen`) against the
 * whole system with the safelist on: each is accepted by id and by text, anything else refused.
 * What each operation returns is the business of the tests of its subgraph.
 */
interface ManifestOperation {
  id: string;
  name: string;
  type: string;
  body: string;
}
const manifest = JSON.parse(
  readFileSync(new URL('../../schema/persisted-operations.json', import.meta.url), 'utf8'),
) as { operations: ManifestOperation[] };

/** The typed documents of the client preset, each carrying its persisted id. */
const typedDocuments = Object.entries(clientDocuments as Record<string, unknown>).filter(
  (entry): entry is [string, Parameters<typeof print>[0] & { __meta__: { hash: string } }] =>
    typeof entry[1] === 'object' && entry[1] !== null && '__meta__' in entry[1],
);

const apiSchema = buildSchema(readFileSync(new URL('../../schema/api.graphql', import.meta.url), 'utf8'));

/** A value for each required variable, so that every operation gets past validation and runs. */
function placeholderVariables(body: string): Record<string, unknown> {
  const operation = parse(body).definitions.find(
    (definition) => definition.kind === Kind.OPERATION_DEFINITION,
  );
  const variables: Record<string, unknown> = {};
  for (const definition of operation?.kind === Kind.OPERATION_DEFINITION
    ? (operation.variableDefinitions ?? [])
    : []) {
    const type = typeFromAST(apiSchema, definition.type) as GraphQLInputType | undefined;
    if (type && isNonNullType(type)) variables[definition.variable.name.value] = placeholder(type);
  }
  return variables;
}

function placeholder(type: GraphQLInputType): unknown {
  if (isNonNullType(type)) return placeholder(type.ofType);
  if (isListType(type)) return [];
  if (isEnumType(type)) return type.getValues()[0]?.value;
  if (isInputObjectType(type))
    return Object.fromEntries(
      Object.values(type.getFields())
        .filter((field) => isNonNullType(field.type))
        .map((field) => [field.name, placeholder(field.type)]),
    );
  return { Int: 1, Float: 1, Boolean: false }[type.name] ?? '0';
}

const PERSISTED_QUERY_CODES = new Set([
  'PERSISTED_QUERY_NOT_IN_LIST',
  'PERSISTED_QUERY_NOT_FOUND',
  'PERSISTED_QUERY_NOT_SUPPORTED',
]);

let stack: TestStack;

beforeAll(async () => {
  stack = await startTestStack({ env: { PERSISTED_OPERATIONS: 'safelist' } });
});
afterAll(() => stack?.stop());

async function send(body: Record<string, unknown>) {
  const response = await fetch(stack.gatewayUrl, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  return {
    status: response.status,
    body: (await response.json()) as { data?: unknown; errors?: { extensions?: { code?: string } }[] },
  };
}

/** What a client sees of an answer: the data and the error codes (locations differ with the text). */
const outcome = (body: { data?: unknown; errors?: { extensions?: { code?: string } }[] }) => ({
  data: body.data,
  codes: (body.errors ?? []).map((error) => error.extensions?.code),
});

const persistedQueryCodes = (body: { errors?: { extensions?: { code?: string } }[] }) =>
  (body.errors ?? [])
    .map((error) => error.extensions?.code)
    .filter((code) => PERSISTED_QUERY_CODES.has(code ?? ''));

describe(`the safelist with the shop's ${manifest.operations.length} persisted operations`, () => {
  it('has a typed document for every operation of the manifest, carrying its id', () => {
    expect(typedDocuments.map(([, document]) => document.__meta__.hash).sort()).toEqual(
      manifest.operations.map((operation) => operation.id).sort(),
    );
  });

  it('accepts every operation by id and by text, a query with the same answer either way', async () => {
    for (const operation of manifest.operations) {
      const variables = placeholderVariables(operation.body);
      const byId = await send({
        operationName: operation.name,
        variables,
        extensions: { persistedQuery: { version: 1, sha256Hash: operation.id } },
      });
      expect({ operation: operation.name, codes: persistedQueryCodes(byId.body) }).toEqual({
        operation: operation.name,
        codes: [],
      });
      const document = typedDocuments.find(([, candidate]) => candidate.__meta__.hash === operation.id)?.[1];
      for (const query of [operation.body, document ? print(document) : operation.body]) {
        const byText = await send({ query, operationName: operation.name, variables });
        // A mutation sent twice may rightly answer differently the second time.
        if (operation.type === 'query')
          expect({ operation: operation.name, ...outcome(byText.body) }).toEqual({
            operation: operation.name,
            ...outcome(byId.body),
          });
        else
          expect({ operation: operation.name, codes: persistedQueryCodes(byText.body) }).toEqual({
            operation: operation.name,
            codes: [],
          });
      }
    }
  });

  it("lets the app's subscriptions through over the socket, and refuses an ad-hoc one", async () => {
    const client = gatewaySubscriptionClient(stack.gatewayUrl);
    /** The error codes a subscription answered: as a result, or as the error that ended it. */
    const codesOf = async (query: string, variables: Record<string, unknown> = {}) => {
      const subscription = client.subscribe(query, variables);
      const first = await subscription.next();
      const ended = await subscription.ended;
      return [...(first?.errors ?? []), ...(ended.kind === 'errors' ? ended.errors : [])].map(
        (error) => error.extensions?.code,
      );
    };
    try {
      const subscriptions = manifest.operations.filter((operation) => operation.type === 'subscription');
      expect(subscriptions.map((operation) => operation.name).sort()).toEqual([
        'LowStockAlerts',
        'OrderUpdated',
      ]);
      for (const operation of subscriptions) {
        // Past the safelist: refused by the next step, authorization (the socket is anonymous).
        expect({
          operation: operation.name,
          codes: await codesOf(operation.body, placeholderVariables(operation.body)),
        }).toEqual({ operation: operation.name, codes: ['UNAUTHENTICATED'] });
      }
      expect(await codesOf('subscription { lowStock { id } }')).toEqual(['PERSISTED_QUERY_NOT_IN_LIST']);
    } finally {
      await client.dispose();
    }
  });

  it('refuses an ad-hoc query, and introspection', async () => {
    for (const query of ['{ products(first: 1) { totalCount } }', '{ __schema { queryType { name } } }']) {
      const { status, body } = await send({ query });
      expect(status).toBe(400);
      expect(body.errors?.[0]?.extensions?.code).toBe('PERSISTED_QUERY_NOT_IN_LIST');
    }
  });
});
