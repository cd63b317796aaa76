import {
  ApolloServer,
  type ApolloServerOptions,
  type BaseContext,
  HeaderMap,
  type HTTPGraphQLRequest,
  type HTTPGraphQLResponse,
} from '@apollo/server';
import type { GuardedRequest, OperationRejected } from '../limits/operation-guard';

export type OperationGuard = (request: GuardedRequest) => OperationRejected | null;

/**
 * Apollo Server with the operation limits in front of its pipeline: Apollo validates a document
 * before any plugin may refuse it, and validating a hostile document (thousands of overlapping
 * fields, fragment cycles) is itself the attack. So the guard sees the query first and answers
 * 400 with a typed error; what it lets through takes Apollo's usual path.
 */
export class GuardedApolloServer<TContext extends BaseContext> extends ApolloServer<TContext> {
  constructor(
    options: ApolloServerOptions<TContext>,
    private readonly guard: OperationGuard,
    private readonly onRejected: (rejection: OperationRejected) => void,
  ) {
    super(options);
  }

  override async executeHTTPGraphQLRequest(
    args: Parameters<ApolloServer<TContext>['executeHTTPGraphQLRequest']>[0],
  ): Promise<HTTPGraphQLResponse> {
    const request = guardedRequest(args.httpGraphQLRequest);
    const rejection = request ? this.guard(request) : null;
    if (!rejection) return super.executeHTTPGraphQLRequest(args);
    this.onRejected(rejection);
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
  }
}

/** The query and variables of a single GraphQL request, POST or GET; null for anything else (Apollo answers it). */
function guardedRequest(request: HTTPGraphQLRequest): GuardedRequest | null {
  if (request.method === 'GET') {
    const params = new URLSearchParams(request.search);
    const query = params.get('query');
    if (query === null) return null;
    const variables = parseJson(params.get('variables'));
    return { query, variables: isRecord(variables) ? variables : {} };
  }
  const body: unknown = request.body;
  if (!isRecord(body) || typeof body.query !== 'string') return null;
  return { query: body.query, variables: isRecord(body.variables) ? body.variables : {} };
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
