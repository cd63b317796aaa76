import { createHash } from 'node:crypto';
import type { AccessPolicy } from '../authorization/access-rules';
import type { GatewayConfig } from '../config';
import { CostModel } from '../limits/cost-model';
import { createOperationGuard, type GuardedRequest, type OperationRejected } from '../limits/operation-guard';
import { readLinks } from './links';
import { takeOverSecurityFeatures } from './security-features';
import { composedSubgraphUrls } from './subgraph-urls';

/**
 * One version of the supergraph as the gateway serves it: what the query planner gets, and the
 * access policy and operation guard made from the same SDL. They are made together and swapped
 * together (see SupergraphDelivery), so no operation is planned against one version and checked
 * against another.
 */
export interface SecuredSupergraph {
  plannerSdl: string;
  policy: AccessPolicy;
  guard: (request: GuardedRequest) => OperationRejected | null;
  /** Subgraph name -> URL as composed into the supergraph. */
  subgraphUrls: Map<string, string>;
  /** Names this version (a digest of its SDL): cached answers of one version never serve another. */
  version: string;
}

export function secureSupergraph(supergraphSdl: string, config: GatewayConfig): SecuredSupergraph {
  const { document, plannerSdl, policy } = takeOverSecurityFeatures(supergraphSdl);
  const guard = createOperationGuard(
    policy.schema,
    new CostModel(readLinks(document), config.DEFAULT_LIST_SIZE),
    {
      maxDepth: config.MAX_DEPTH,
      maxAliases: config.MAX_ALIASES,
      maxRootFields: config.MAX_ROOT_FIELDS,
      maxTokens: config.MAX_TOKENS,
      maxDirectives: config.MAX_DIRECTIVES,
      maxCost: config.MAX_COST,
      maxRepeatedField: config.MAX_REPEATED_FIELD,
    },
  );
  return {
    plannerSdl,
    policy,
    guard,
    subgraphUrls: composedSubgraphUrls(document),
    version: createHash('sha256').update(supergraphSdl).digest('base64url').slice(0, 16),
  };
}
