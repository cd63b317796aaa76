import {
  type DocumentNode,
  GraphQLError,
  type GraphQLSchema,
  getOperationAST,
  OperationTypeNode,
  parse,
  validate,
} from 'graphql';
import type { SubscribePayload } from 'graphql-ws';
import type { OperationGuard, PersistedQueryLookup } from '../limits/guard-requests';
import { OperationRejected } from '../limits/operation-guard';
import { notInList } from '../persisted-operations/safelist-plugin';

/** The checks an operation sent over WebSocket passes before it is planned: the HTTP ones. */
export interface AdmissionRules {
  /** The operation limits (depth, aliases, tokens, cost…), as HTTP requests meet them. */
  guard: OperationGuard;
  onRejected: (rejection: OperationRejected) => void;
  /** False for a text outside the safelist (PERSISTED_OPERATIONS=safelist). */
  mayRun: (text: string, operationName: string | undefined) => boolean;
  persistedQuery: PersistedQueryLookup;
  /** The API schema being served. */
  schema: () => GraphQLSchema | null;
  maxTokens: number;
  maxSubscriptionsPerConnection: number;
}

/** An operation let in: what the engine plans and runs. */
export interface AdmittedOperation {
  query: string;
  document: DocumentNode;
  operationName: string | undefined;
  variables: Record<string, unknown>;
  schema: GraphQLSchema;
}

/**
 * Judges one `subscribe` message of a connection already holding `openSubscriptions` (this one
 * included): the per-connection limit, the safelist, the operation limits, then parsing and
 * validation against the API schema. Only subscriptions are let in: queries and mutations have
 * HTTP, with its cache and batching.
 */
export async function admitOperation(
  rules: AdmissionRules,
  payload: SubscribePayload,
  openSubscriptions: number,
): Promise<AdmittedOperation | readonly GraphQLError[]> {
  const reject = (rejection: OperationRejected) => {
    rules.onRejected(rejection);
    return [rejection];
  };
  if (openSubscriptions > rules.maxSubscriptionsPerConnection)
    return reject(
      new OperationRejected(
        'MAX_SUBSCRIPTIONS_PER_CONNECTION_LIMIT',
        `This connection already has ${rules.maxSubscriptionsPerConnection} subscriptions, the most allowed: end one, or open another connection.`,
        { limit: rules.maxSubscriptionsPerConnection },
      ),
    );
  const operationName = payload.operationName ?? undefined;
  const variables = payload.variables ?? {};
  const query = payload.query || (await storedQuery(rules, payload.extensions));
  if (!query)
    return [
      new GraphQLError('PersistedQueryNotFound', { extensions: { code: 'PERSISTED_QUERY_NOT_FOUND' } }),
    ];
  if (!rules.mayRun(query, operationName)) return [notInList()];
  const rejection = rules.guard({ query, variables });
  if (rejection) return reject(rejection);
  const schema = rules.schema();
  if (!schema) return [new GraphQLError('The gateway has no supergraph loaded yet.')];
  let document: DocumentNode;
  try {
    document = parse(query, { maxTokens: rules.maxTokens });
  } catch (error) {
    return [codedError(error as GraphQLError, 'GRAPHQL_PARSE_FAILED')];
  }
  const invalid = validate(schema, document);
  if (invalid.length > 0) return invalid.map((error) => codedError(error, 'GRAPHQL_VALIDATION_FAILED'));
  const operation = getOperationAST(document, operationName);
  if (!operation)
    return [codedError(new GraphQLError('Unable to identify the operation to run.'), 'BAD_REQUEST')];
  if (operation.operation !== OperationTypeNode.SUBSCRIPTION)
    return [
      new GraphQLError(
        'Only subscriptions are served over WebSocket and Server-Sent Events: send queries and mutations over HTTP.',
        {
          extensions: { code: 'BAD_REQUEST' },
        },
      ),
    ];
  return { query, document, operationName, variables, schema };
}

/** What a hash-only message (`extensions.persistedQuery.sha256Hash`) names. */
async function storedQuery(rules: AdmissionRules, extensions: Record<string, unknown> | null | undefined) {
  const persisted = extensions?.persistedQuery as { sha256Hash?: unknown } | undefined;
  return typeof persisted?.sha256Hash === 'string' ? rules.persistedQuery(persisted.sha256Hash) : undefined;
}

function codedError(error: GraphQLError, code: string): GraphQLError {
  return new GraphQLError(error.message, { nodes: error.nodes, extensions: { ...error.extensions, code } });
}
