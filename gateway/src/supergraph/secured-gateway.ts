import { ApolloGateway } from '@apollo/gateway';
import type { Logger } from '@shop/platform/logger';
import type { Metrics } from '@shop/platform/metrics';
import { EnforcingGateway } from '../authorization/enforcing-gateway';
import { type GatewayConfig, subgraphSecret, subgraphUrl } from '../config';
import { observeSubgraph } from '../observability/subgraph-requests';
import { SubgraphDataSource } from '../subgraph-data-source';
import type { SupergraphDelivery } from './delivery';
import type { SecuredSupergraph } from './secured-supergraph';

/**
 * The one place a query planner is made: fed only supergraphs whose security features were
 * taken over (the delivery prepares each version with `secureSupergraph`), wrapped in their
 * enforcement, so no code path plans a supergraph without its policy.
 */
export function createSecuredGateway(
  delivery: SupergraphDelivery<SecuredSupergraph>,
  config: GatewayConfig,
  logger: Logger,
  metrics: Metrics,
): EnforcingGateway {
  const planner = new ApolloGateway({
    supergraphSdl: delivery,
    buildService: ({ name, url }) =>
      observeSubgraph(
        name,
        metrics,
        new SubgraphDataSource({
          name,
          url: subgraphUrl(config, name, url),
          secret: subgraphSecret(config, name, logger),
        }),
      ),
    logger,
    // Query plans name subgraphs and their fields: never hand them to clients, whatever NODE_ENV says.
    __exposeQueryPlanExperimental: false,
  });
  return new EnforcingGateway(planner, () => delivery.current.policy);
}
