import { createHash } from 'node:crypto';
import { type BaseContext, HeaderMap, type HTTPGraphQLRequest } from '@apollo/server';
import type { GraphQLHttpServer } from '@shop/platform/http';
import { type GuardedRequest, OperationRejected } from './operation-guard';

export type OperationGuard = (request: GuardedRequest) => OperationRejected | null;

/** The text of a persisted operation (manifest or automatic) by its sha256; undefined when unknown. */
export type PersistedQueryLookup = (sha256Hash: string) => Promise<string | undefined>;

export interface RequestGuarding {
  guard: OperationGuard;
  onRejected: (rejection: OperationRejected) => void;
  persistedQuery: PersistedQueryLookup;
}

/**
 * The operation limits in front of Apollo's pipeline: Apollo validates a document before any
 * plugin may refuse it, and validating a hostile document (thousands of overlapping fields,
 * fragment cycles) is itself the attack. So the guard sees the query first and answers 400 with
 * a typed error; what it lets through goes on to `next`.
 */
export function guardRequests<TContext extends BaseContext>(
  { guard, onRejected, persistedQuery }: RequestGuarding,
  next: GraphQLHttpServer<TContext>,
): GraphQLHttpServer<TContext> {
  return {
    async executeHTTPGraphQLRequest(args) {
      const fields = requestFields(args.httpGraphQLRequest);
      const request = await guardedRequest(fields, persistedQuery);
      const rejection = persistedQueryMismatch(fields) ?? (request ? guard(request) : null);
      if (!rejection) return next.executeHTTPGraphQLRequest(args);
      onRejected(rejection);
      return {
        status: 400,
        headers: new HeaderMap([['content-type', 'application/json; charset=utf-8']]),
        body: {
          kind: 'complete',
          string: JSON.stringify({
            errors: [{ message: rejection.message, extensions: rejection.extensions }],
          }),
        },
      };
    },
  };
}

interface RequestFields {
  query?: unknown;
  variables?: unknown;
  extensions?: unknown;
}

/** The parts of a single GraphQL request, POST or GET, as sent (nothing checked yet). */
function requestFields(request: HTTPGraphQLRequest): RequestFields {
  if (request.method === 'GET') {
    const params = new URLSearchParams(request.search);
    return {
      query: params.get('query') ?? undefined,
      variables: parseJson(params.get('variables')),
      extensions: parseJson(params.get('extensions')),
    };
  }
  return isRecord(request.body) ? request.body : {};
}

function persistedQueryHash(fields: RequestFields): unknown {
  return isRecord(fields.extensions) && isRecord(fields.extensions.persistedQuery)
    ? fields.extensions.persistedQuery.sha256Hash
    : undefined;
}

/**
 * The query and variables of a request. A request that sends only a persisted query's hash is
 * judged on the text stored for it: limits and cost depend on the variables of each call, not
 * only on the text registered once. Null when there is nothing to judge (Apollo answers it: a
 * malformed request, or an unknown hash).
 */
async function guardedRequest(
  fields: RequestFields,
  persistedQuery: PersistedQueryLookup,
): Promise<GuardedRequest | null> {
  const variables = isRecord(fields.variables) ? fields.variables : {};
  if (typeof fields.query === 'string') return { query: fields.query, variables };
  const hash = persistedQueryHash(fields);
  const stored = typeof hash === 'string' ? await persistedQuery(hash) : undefined;
  return stored === undefined ? null : { query: stored, variables };
}

/**
 * A query registered under a hash that is not its own: the client's mistake (or a try at
 * poisoning the persisted query cache), which Apollo answers without a code, as a server error.
 */
function persistedQueryMismatch(fields: RequestFields): OperationRejected | null {
  const hash = persistedQueryHash(fields);
  if (typeof fields.query !== 'string' || typeof hash !== 'string') return null;
  if (createHash('sha256').update(fields.query).digest('hex') === hash) return null;
  return new OperationRejected(
    'PERSISTED_QUERY_HASH_MISMATCH',
    'extensions.persistedQuery.sha256Hash is not the SHA-256 of the query sent.',
  );
}

function parseJson(text: string | null): unknown {
  if (text === null) return undefined;
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
