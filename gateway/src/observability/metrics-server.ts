import type { Server } from 'node:http';
import { createHttpServer, listen, type RouteHandler } from '@shop/platform/http';
import type { Logger } from '@shop/platform/logger';
import type { Metrics } from '@shop/platform/metrics';

/**
 * `/metrics` on a port of its own (METRICS_PORT), so the public port never shows the
 * gateway's operation names, error counts and subgraph health to anyone who asks; a scraper
 * reaches it inside the cluster.
 */
export async function startMetricsServer(
  host: string,
  port: number,
  metricsRoute: RouteHandler,
  logger: Logger,
  metrics: Metrics,
): Promise<{ url: string; server: Server }> {
  const server = createHttpServer({ logger, metrics, routes: { 'GET /metrics': metricsRoute } });
  const bound = await listen(server, host, port);
  const url = `http://${host}:${bound}/metrics`;
  logger.info({ url }, `gateway metrics on ${url}`);
  return { url, server };
}
