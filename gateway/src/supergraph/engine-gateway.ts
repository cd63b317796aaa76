import type { GatewayInterface, GatewaySchemaLoadOrUpdateCallback } from '@apollo/server-gateway-interface';
import type { Logger } from '@shop/platform/logger';
import type { GraphQLSchema } from 'graphql';
import { type Delivery, type SubgraphEndpoint, SupergraphEngine } from '../execution/engine';
import type { SubscriptionSource } from '../execution/subscription-events';
import type { SubgraphService } from '../fetcher/subgraph-service';
import type { PlannerPool } from '../planning/planner-pool';
import { SubscriptionsAcrossReloads } from '../subscriptions/supergraph-reloads';
import type { PreparedSupergraph, SupergraphDelivery } from './delivery';

/**
 * What Apollo Server gets as its gateway: the schema and executor of our engine for the
 * supergraph being served. Each new version from the delivery gets an engine of its own, built
 * before it replaces the previous one (a version that fails to build changes nothing), while
 * requests in flight finish on the engine they started with. A running subscription stays on its
 * engine too, unless the new version cannot run its operation: then it is ended (see
 * SubscriptionsAcrossReloads).
 */
export class EngineGateway<TPrepared extends PreparedSupergraph> implements GatewayInterface {
  private engine: SupergraphEngine | null = null;
  private readonly listeners = new Set<GatewaySchemaLoadOrUpdateCallback>();
  private readonly subgraphs = new Map<string, SubgraphService>();
  private readonly subscriptionSources = new Map<string, SubscriptionSource>();
  private cleanup: (() => Promise<void>) | null = null;
  private readonly subscriptions = new SubscriptionsAcrossReloads();

  constructor(
    private readonly delivery: SupergraphDelivery<TPrepared>,
    private readonly buildSubgraph: (subgraph: SubgraphEndpoint) => SubgraphService,
    private readonly buildSubscriptionSource: (subgraph: SubgraphEndpoint) => SubscriptionSource,
    private readonly options: { validateSupergraph: boolean; logger: Logger; planner: PlannerPool },
  ) {}

  onSchemaLoadOrUpdate(callback: GatewaySchemaLoadOrUpdateCallback) {
    this.listeners.add(callback);
    return () => {
      this.listeners.delete(callback);
    };
  }

  async load() {
    const { supergraphSdl, cleanup } = await this.delivery.initialize({ update: (sdl) => this.serve(sdl) });
    this.cleanup = cleanup ?? null;
    this.serve(supergraphSdl);
    return {
      executor: (requestContext: Parameters<SupergraphEngine['execute']>[0]) => this.execute(requestContext),
    };
  }

  /** An operation, on the engine of the supergraph being served; in parts when `delivery` allows and it defers any. */
  execute(
    requestContext: Parameters<SupergraphEngine['execute']>[0],
    delivery: Delivery = 'whole',
  ): ReturnType<SupergraphEngine['execute']> {
    const engine = this.engine;
    if (!engine) throw new Error('the gateway has no supergraph loaded');
    return engine.execute(requestContext, delivery);
  }

  /**
   * A subscription, on the engine of the supergraph being served when it starts: it stays there
   * until a version that cannot run it is served.
   */
  async subscribe(
    requestContext: Parameters<SupergraphEngine['subscribe']>[0],
  ): ReturnType<SupergraphEngine['subscribe']> {
    const engine = this.engine;
    if (!engine) throw new Error('the gateway has no supergraph loaded');
    const outcome = await engine.subscribe(requestContext);
    if (!(Symbol.asyncIterator in outcome)) return outcome;
    return this.subscriptions.follow(requestContext.document, outcome, engine.schema);
  }

  /** Subscriptions running now, on any version of the supergraph. */
  get runningSubscriptions(): number {
    return this.subscriptions.size;
  }

  /** The API schema operations are validated against (that of the supergraph being served). */
  get schema(): GraphQLSchema | null {
    return this.engine?.schema ?? null;
  }

  async stop() {
    await this.cleanup?.();
    this.cleanup = null;
  }

  /** Builds the engine for `sdl` (throws, changing nothing, when it cannot be served), then swaps it in. */
  private serve(sdl: string): void {
    const engine = new SupergraphEngine(sdl, {
      validateSupergraph: this.options.validateSupergraph,
      subgraphFor: (subgraph) => this.subgraphFor(subgraph),
      planner: this.options.planner,
      subscriptionSourceFor: (subgraph) => this.subscriptionSourceFor(subgraph),
    });
    this.engine = engine;
    const ended = this.subscriptions.served(engine.schema);
    if (ended > 0)
      this.options.logger.info(
        { ended, running: this.subscriptions.size },
        'ended the subscriptions the new supergraph cannot serve',
      );
    for (const listener of this.listeners) {
      try {
        listener({ apiSchema: engine.schema, coreSupergraphSdl: sdl });
      } catch (error) {
        this.options.logger.error({ err: error }, 'a schema listener failed; the new supergraph is served');
      }
    }
  }

  /** One subgraph service per subgraph and URL, kept across versions of the supergraph. */
  private subgraphFor(subgraph: SubgraphEndpoint): SubgraphService {
    return keptPerEndpoint(this.subgraphs, subgraph, this.buildSubgraph);
  }

  /** One subscription source per subgraph and URL, kept across versions (as the subgraph services). */
  private subscriptionSourceFor(subgraph: SubgraphEndpoint): SubscriptionSource {
    return keptPerEndpoint(this.subscriptionSources, subgraph, this.buildSubscriptionSource);
  }
}

function keptPerEndpoint<T>(
  kept: Map<string, T>,
  subgraph: SubgraphEndpoint,
  build: (subgraph: SubgraphEndpoint) => T,
): T {
  const key = `${subgraph.name} ${subgraph.url}`;
  let value = kept.get(key);
  if (value === undefined) {
    value = build(subgraph);
    kept.set(key, value);
  }
  return value;
}
