import { ApolloGateway } from '@apollo/gateway';
import type { Logger } from '@shop/platform/logger';
import { EnforcingGateway } from '../authorization/enforcing-gateway';
import { type GatewayConfig, subgraphSecret, subgraphUrl } from '../config';
import { SubgraphDataSource } from '../subgraph-data-source';
import { type SecuredSupergraph, takeOverSecurityFeatures } from './security-features';

/**
 * The one place a query planner is made: from the supergraph with its security features taken
 * over, wrapped in their enforcement, so no code path plans a supergraph without its policy.
 */
export function createSecuredGateway(
  supergraphSdl: string,
  config: GatewayConfig,
  logger: Logger,
): { gateway: EnforcingGateway; supergraph: SecuredSupergraph } {
  const supergraph = takeOverSecurityFeatures(supergraphSdl);
  const planner = new ApolloGateway({
    supergraphSdl: supergraph.plannerSdl,
    buildService: ({ name, url }) =>
      new SubgraphDataSource({
        name,
        url: subgraphUrl(config, name, url),
        secret: subgraphSecret(config, name, logger),
      }),
    logger,
    // Query plans name subgraphs and their fields: never hand them to clients, whatever NODE_ENV says.
    __exposeQueryPlanExperimental: false,
  });
  return { gateway: new EnforcingGateway(planner, supergraph.policy), supergraph };
}
