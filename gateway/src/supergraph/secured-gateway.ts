import type { Logger } from '@shop/platform/logger';
import type { Metrics } from '@shop/platform/metrics';
import { EnforcingGateway } from '../authorization/enforcing-gateway';
import { type GatewayConfig, subgraphSecret, subgraphUrl } from '../config';
import { batchEntityFetches } from '../execution/entity-batches';
import { subgraphClient } from '../fetcher/subgraph-client';
import type { SubgraphFetchers } from '../fetcher/subgraph-fetchers';
import { observeSubgraph } from '../observability/subgraph-requests';
import type { PlannerPool } from '../planning/planner-pool';
import { servePartialResults } from '../resilience/partial-results';
import { subgraphSubscriptions } from '../subscriptions/subgraph-subscriptions';
import {
  runningSubscriptionsGauge,
  subgraphSubscriptionSockets,
} from '../subscriptions/subscription-metrics';
import type { SupergraphDelivery } from './delivery';
import { EngineGateway } from './engine-gateway';
import type { SecuredSupergraph } from './secured-supergraph';

/**
 * The one place a query planner is given a supergraph: fed only supergraphs whose security features were
 * taken over (the delivery prepares each version with `secureSupergraph`), wrapped in their
 * enforcement, so no code path plans a supergraph without its policy.
 */
export function createSecuredGateway(
  delivery: SupergraphDelivery<SecuredSupergraph>,
  config: GatewayConfig,
  logger: Logger,
  metrics: Metrics,
  fetchers: SubgraphFetchers,
  planner: PlannerPool,
): EnforcingGateway {
  const sockets = subgraphSubscriptionSockets(metrics);
  const engine = new EngineGateway(
    delivery,
    // From the outside in: a failed request becomes nulls with errors at their paths, entity
    // fetches are batched (each entity sent once), each call is counted, then signed, traced and
    // sent by the subgraph's fetcher.
    ({ name, url }) => {
      const target = subgraphUrl(config, name, url);
      return servePartialResults(
        name,
        batchEntityFetches(
          observeSubgraph(
            name,
            metrics,
            subgraphClient({
              name,
              url: target,
              secret: subgraphSecret(config, name, logger),
              fetcher: fetchers.for(name, target),
            }),
          ),
          { acrossOperations: config.SUBGRAPH_BATCHING },
        ),
        logger,
      );
    },
    // Subscriptions go straight to the owning subgraph over graphql-ws, signed as its requests are.
    ({ name, url }) =>
      subgraphSubscriptions({
        name,
        url: subgraphUrl(config, name, url),
        secret: subgraphSecret(config, name, logger),
        sockets,
        logger,
      }),
    // As @apollo/gateway: the supergraph is validated except in production.
    { validateSupergraph: config.NODE_ENV !== 'production', logger, planner },
  );
  runningSubscriptionsGauge(metrics, () => engine.runningSubscriptions);
  return new EnforcingGateway(engine, () => delivery.current.policy);
}
