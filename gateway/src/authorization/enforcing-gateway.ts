import type {
  GatewayExecutionResult,
  GatewayExecutor,
  GatewayGraphQLRequestContext,
  GatewayInterface,
} from '@apollo/server-gateway-interface';
import type { Caller } from '@shop/platform/auth';
import { mapStream } from '@shop/platform/pushed-stream';
import { type DocumentNode, type GraphQLSchema, getOperationAST, Kind } from 'graphql';
import type { Delivery, EngineResult } from '../execution/engine';
import { acceptsIncrementalDelivery, deliverLater } from '../http/incremental-delivery';
import { accessRulesChanged } from '../subscriptions/supergraph-reloads';
import type { AccessPolicy } from './access-rules';
import { completeResponse } from './complete-response';
import { type FilteredOperation, filterOperation } from './filter-operation';

/**
 * The query planner with `@authenticated` and `@requiresScopes` enforced in front of it: each
 * operation is planned without the fields the caller may not see (so they are never fetched),
 * and the answer gets them back as `null` with an error at their path. The planner caches plans
 * by document hash, so the filtered document gets a hash of its own: one caller's plan is never
 * another's.
 */
export class EnforcingGateway implements GatewayInterface {
  constructor(
    private readonly planner: SubscribingGateway,
    /** The policy of the supergraph being served (it changes when the supergraph does). */
    private readonly currentPolicy: () => AccessPolicy,
  ) {}

  async load(options: Parameters<GatewayInterface['load']>[0]) {
    await this.planner.load(options);
    return { executor: this.enforced };
  }

  onSchemaLoadOrUpdate(callback: Parameters<GatewayInterface['onSchemaLoadOrUpdate']>[0]) {
    return this.planner.onSchemaLoadOrUpdate(callback);
  }

  stop() {
    return this.planner.stop();
  }

  get schema(): GraphQLSchema | null {
    return this.planner.schema;
  }

  // Apollo Server hands the same parsed document for the same text: each is filtered once per
  // supergraph policy and kind of caller (what `judge` looks at: logged in or not, and the scopes).
  private readonly filterings = new WeakMap<
    AccessPolicy,
    WeakMap<DocumentNode, Map<string, FilteredOperation | null>>
  >();

  private filtered(
    policy: AccessPolicy,
    document: DocumentNode,
    caller: Caller | null,
  ): FilteredOperation | null {
    let byDocument = this.filterings.get(policy);
    if (!byDocument) {
      byDocument = new WeakMap();
      this.filterings.set(policy, byDocument);
    }
    let byAccess = byDocument.get(document);
    if (!byAccess) {
      byAccess = new Map();
      byDocument.set(document, byAccess);
    }
    const access = caller ? `scopes:${[...caller.scopes].sort().join(' ')}` : 'anonymous';
    let filtered = byAccess.get(access);
    if (filtered === undefined) {
      filtered = filterOperation(policy, document, caller);
      byAccess.set(access, filtered);
    }
    return filtered;
  }

  /**
   * An operation for the caller. It is delivered in parts (its deferred fragments after the rest)
   * when the client accepts them and the caller may see every field it asks: an answer with
   * fields put back as errors is always whole, so no part ever escapes the completion.
   */
  private readonly enforced: GatewayExecutor = async (requestContext) => {
    const policy = this.currentPolicy();
    const filtered = this.filtered(policy, requestContext.document, callerOf(requestContext.context));
    if (filtered) {
      const result = await this.planner.execute(withFilteredOperation(requestContext, filtered), 'whole');
      return completed(policy, requestContext, filtered, result);
    }
    const accept = requestContext.request.http?.headers.get('accept') ?? undefined;
    const { subsequentResults, ...first } = await this.planner.execute(
      requestContext,
      acceptsIncrementalDelivery(accept) ? 'parts' : 'whole',
    );
    if (subsequentResults) deliverLater(requestContext.context, subsequentResults);
    return first;
  };

  /**
   * A subscription, under the same rules as a query: planned without the fields the caller may
   * not see, each event completed with their errors. When the subscription field itself is out,
   * nothing is opened: the one answer says why.
   */
  async subscribe(requestContext: GatewayGraphQLRequestContext): Promise<SubscriptionResult> {
    const policy = this.currentPolicy();
    const filtered = this.filtered(policy, requestContext.document, callerOf(requestContext.context));
    if (!filtered) {
      const events = await this.planner.subscribe(requestContext);
      if (!(Symbol.asyncIterator in events)) return events;
      return this.underItsRules(events, requestContext, policy, null);
    }
    const operation = getOperationAST(filtered.document, requestContext.operationName);
    const onlyTypename = operation?.selectionSet.selections.every(
      (selection) => selection.kind === Kind.FIELD && selection.alias?.value === filtered.typenameKey,
    );
    if (onlyTypename) return completed(policy, requestContext, filtered, { data: Object.create(null) });
    const events = await this.planner.subscribe(withFilteredOperation(requestContext, filtered));
    if (!(Symbol.asyncIterator in events)) return completed(policy, requestContext, filtered, events);
    return this.underItsRules(events, requestContext, policy, filtered);
  }

  /**
   * A subscription's events under the access rules it started with, as long as the supergraph
   * served now would filter its operation the same way for this caller; once a reload changed
   * that (a field it uses protected or opened), the next event ends it with SUBSCRIPTION_ENDED
   * and lets go upstream, so no event is ever sent under rules that no longer hold.
   */
  private underItsRules(
    events: AsyncIterableIterator<GatewayExecutionResult>,
    requestContext: GatewayGraphQLRequestContext,
    policy: AccessPolicy,
    filtered: FilteredOperation | null,
  ): AsyncIterableIterator<GatewayExecutionResult> {
    const caller = callerOf(requestContext.context);
    return mapStream(events, (result) => {
      const now = this.currentPolicy();
      if (
        now !== policy &&
        this.filtered(now, requestContext.document, caller)?.queryHash !== filtered?.queryHash
      ) {
        void events.return?.();
        throw accessRulesChanged();
      }
      return filtered ? completed(policy, requestContext, filtered, result) : result;
    });
  }
}

type SubscriptionResult = GatewayExecutionResult | AsyncIterableIterator<GatewayExecutionResult>;

/** What the enforcing gateway needs of the gateway it wraps: a planner and executor that also runs subscriptions. */
export interface SubscribingGateway extends GatewayInterface {
  /** The API schema being served (null before the first supergraph is loaded). */
  readonly schema: GraphQLSchema | null;
  execute(requestContext: GatewayGraphQLRequestContext, delivery: Delivery): Promise<EngineResult>;
  subscribe(requestContext: GatewayGraphQLRequestContext): Promise<SubscriptionResult>;
}

function withFilteredOperation(
  requestContext: GatewayGraphQLRequestContext,
  filtered: FilteredOperation,
): GatewayGraphQLRequestContext {
  const operation = getOperationAST(filtered.document, requestContext.operationName);
  return {
    ...requestContext,
    document: filtered.document,
    source: filtered.source,
    queryHash: filtered.queryHash,
    operation: operation ?? requestContext.operation,
  };
}

/** The answer with the fields taken out put back as null, each with its error. */
function completed(
  policy: AccessPolicy,
  requestContext: GatewayGraphQLRequestContext,
  filtered: FilteredOperation,
  result: GatewayExecutionResult,
): GatewayExecutionResult {
  const completion = completeResponse(
    policy,
    requestContext.document,
    requestContext.operationName,
    requestContext.request.variables ?? {},
    filtered,
    result.data,
  );
  const errors = [...(result.errors ?? []), ...completion.errors];
  return { ...result, data: completion.data, ...(errors.length > 0 ? { errors } : {}) };
}

function callerOf(context: Record<string, unknown>): Caller | null {
  const caller = context.caller;
  return typeof caller === 'object' && caller !== null && 'userId' in caller ? (caller as Caller) : null;
}
