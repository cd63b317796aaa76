import type { GatewayExecutor, GatewayInterface } from '@apollo/server-gateway-interface';
import type { Caller } from '@shop/platform/auth';
import { type DocumentNode, getOperationAST } from 'graphql';
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
    private readonly planner: GatewayInterface,
    /** The policy of the supergraph being served (it changes when the supergraph does). */
    private readonly currentPolicy: () => AccessPolicy,
  ) {}

  async load(options: Parameters<GatewayInterface['load']>[0]) {
    const { executor } = await this.planner.load(options);
    return { executor: executor ? this.enforce(executor) : null };
  }

  onSchemaLoadOrUpdate(callback: Parameters<GatewayInterface['onSchemaLoadOrUpdate']>[0]) {
    return this.planner.onSchemaLoadOrUpdate(callback);
  }

  stop() {
    return this.planner.stop();
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

  private enforce(executor: GatewayExecutor): GatewayExecutor {
    return async (requestContext) => {
      const policy = this.currentPolicy();
      const filtered = this.filtered(policy, requestContext.document, callerOf(requestContext.context));
      if (!filtered) return executor(requestContext);
      const operation = getOperationAST(filtered.document, requestContext.operationName);
      const result = await executor({
        ...requestContext,
        document: filtered.document,
        source: filtered.source,
        queryHash: filtered.queryHash,
        operation: operation ?? requestContext.operation,
      });
      const completed = completeResponse(
        policy,
        requestContext.document,
        requestContext.operationName,
        requestContext.request.variables ?? {},
        filtered,
        result.data,
      );
      const errors = [...(result.errors ?? []), ...completed.errors];
      return { ...result, data: completed.data, ...(errors.length > 0 ? { errors } : {}) };
    };
  }
}

function callerOf(context: Record<string, unknown>): Caller | null {
  const caller = context.caller;
  return typeof caller === 'object' && caller !== null && 'userId' in caller ? (caller as Caller) : null;
}
