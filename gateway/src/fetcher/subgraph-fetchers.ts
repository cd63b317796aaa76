import type { Logger } from '@shop/platform/logger';
import type { Metrics } from '@shop/platform/metrics';
import { Gauge } from 'prom-client';
import { Agent } from 'undici';
import { type GatewayConfig, subgraphTimeoutMs } from '../config';
import { SubgraphFetcher } from './subgraph-fetcher';

/**
 * The gateway's fetchers, one per subgraph, over one connection pool. They outlive a
 * supergraph reload (which builds new data sources): a subgraph keeps its circuit state and its
 * kept-alive connections across versions of the supergraph.
 */
export class SubgraphFetchers {
  private readonly agent: Agent;
  private readonly fetchers = new Map<string, SubgraphFetcher>();
  private readonly circuitOpen: Gauge<'subgraph'>;

  constructor(
    private readonly config: GatewayConfig,
    private readonly logger: Logger,
    metrics: Metrics,
  ) {
    const keepAliveMs = config.SUBGRAPH_KEEP_ALIVE_SECONDS * 1000;
    this.agent = new Agent({
      connections: config.SUBGRAPH_CONNECTIONS,
      pipelining: 1,
      // A server's `Keep-Alive: timeout=N` hint is trusted less one second (a request sent as the
      // server closes would be lost). Not more: Node's and so most subgraph servers' default hint
      // is 5 s, and a margin of 5 s made undici close every connection after one request.
      keepAliveTimeout: keepAliveMs,
      keepAliveMaxTimeout: keepAliveMs,
      keepAliveTimeoutThreshold: 1000,
      connect: { timeout: Math.min(config.SUBGRAPH_TIMEOUT_MS, 10_000) },
      // Our own deadline cancels a request; these only stop a socket that went silent.
      headersTimeout: 0,
      bodyTimeout: 0,
    });
    this.circuitOpen = new Gauge({
      name: 'gateway_subgraph_circuit_open',
      help: "1 while a subgraph's circuit is open (its requests fail fast), else 0.",
      labelNames: ['subgraph'],
      registers: [metrics.registry],
    });
  }

  /** The fetcher of subgraph `subgraph` at `url`; the same one for as long as both stay the same. */
  for(subgraph: string, url: string): SubgraphFetcher {
    const key = `${subgraph} ${url}`;
    const existing = this.fetchers.get(key);
    if (existing) return existing;
    this.circuitOpen.set({ subgraph }, 0);
    const fetcher = new SubgraphFetcher({
      subgraph,
      agent: this.agent,
      timeoutMs: subgraphTimeoutMs(this.config, subgraph),
      retries: this.config.SUBGRAPH_RETRIES,
      deduplicate: this.config.SUBGRAPH_DEDUPLICATE,
      circuit: {
        errorPercent: this.config.CIRCUIT_ERROR_PERCENT,
        minRequests: this.config.CIRCUIT_MIN_REQUESTS,
        windowMs: this.config.CIRCUIT_WINDOW_MS,
        resetMs: this.config.CIRCUIT_RESET_MS,
      },
      logger: this.logger,
      onCircuitChange: (open) => this.circuitOpen.set({ subgraph }, open ? 1 : 0),
    });
    this.fetchers.set(key, fetcher);
    return fetcher;
  }

  async close(): Promise<void> {
    for (const fetcher of this.fetchers.values()) fetcher.shutdown();
    await this.agent.close();
  }
}
