import { signGatewayRequest } from '@shop/platform/auth';
import type { Logger } from '@shop/platform/logger';
import type { Metrics } from '@shop/platform/metrics';
import type { OperationUsage } from '@shop/platform/schema';
import { Counter } from 'prom-client';
import { UsageBatch, type UsageClient } from './usage-batch';

export interface UsageReporterSettings {
  registryUrl: string;
  secret: string;
  intervalMs: number;
  timeoutMs: number;
  maxBatchEntries: number;
}

/**
 * Gathers usage in memory and sends it to the registry every interval, signed like the
 * gateway's subgraph requests. Never on the request path: `record` only adds to the batch. One
 * report in flight at a time; while the registry is slow the batch grows to its bound, and
 * usage it cannot hold, or a report that fails, is dropped and counted
 * (`gateway_usage_dropped_total`), never retried, so memory stays bounded.
 */
export class UsageReporter {
  private batch: UsageBatch;
  private sending: Promise<void> | null = null;
  private readonly timer: NodeJS.Timeout;
  private readonly endpoint: URL;
  private readonly reports: Counter<'outcome'>;
  private readonly dropped: Counter<'reason'>;
  /** Set while reports fail: the outage is logged when it starts and when it ends. */
  private failing = false;

  constructor(
    private readonly settings: UsageReporterSettings,
    private readonly logger: Logger,
    metrics: Metrics,
  ) {
    this.batch = new UsageBatch(settings.maxBatchEntries);
    this.endpoint = new URL('/usage', settings.registryUrl);
    this.reports = new Counter({
      name: 'gateway_usage_reports_total',
      help: 'Usage reports sent to the schema registry, by outcome (sent, failed).',
      labelNames: ['outcome'],
      registers: [metrics.registry],
    });
    this.dropped = new Counter({
      name: 'gateway_usage_dropped_total',
      help: 'Requests whose usage never reached the registry, by reason (batch_full, report_failed, unknown_operation).',
      labelNames: ['reason'],
      registers: [metrics.registry],
    });
    this.timer = setInterval(() => void this.flush(), settings.intervalMs);
    this.timer.unref();
  }

  /** Counts one request of operation `usage` from `client`. */
  record(name: string | null, usage: OperationUsage, client: UsageClient, failed: boolean): void {
    // Introspection alone (GraphiQL's schema fetch, `{ __typename }`) uses no part of the schema:
    // not a client's usage of the graph (GraphOS's field usage leaves introspection out too).
    if (usage.coordinates.length === 0) return;
    if (!this.batch.add(name, usage, client, failed)) this.dropped.inc({ reason: 'batch_full' });
  }

  /** A request answered from the cache whose operation this gateway cannot tell (made by another replica, sent by hash). */
  dropUnknown(): void {
    this.dropped.inc({ reason: 'unknown_operation' });
  }

  /** Sends the batch gathered so far, unless a report is still in flight (then it keeps gathering). */
  flush(): Promise<void> {
    if (this.sending || this.batch.empty) return this.sending ?? Promise.resolve();
    const batch = this.batch;
    this.batch = new UsageBatch(this.settings.maxBatchEntries);
    this.sending = this.send(batch).finally(() => {
      this.sending = null;
    });
    return this.sending;
  }

  /** Stops the timer and sends what is left (bounded by the report timeout). */
  async stop(): Promise<void> {
    clearInterval(this.timer);
    await this.sending;
    await this.flush();
  }

  private async send(batch: UsageBatch): Promise<void> {
    const body = JSON.stringify(batch.toReport());
    try {
      const headers = signGatewayRequest(this.settings.secret, {
        method: 'POST',
        path: this.endpoint.pathname,
        body,
        caller: null,
      });
      const response = await fetch(this.endpoint, {
        method: 'POST',
        headers: { ...headers, 'content-type': 'application/json' },
        body,
        signal: AbortSignal.timeout(this.settings.timeoutMs),
      });
      await response.body?.cancel();
      if (!response.ok) throw new Error(`HTTP ${response.status}`);
      this.reports.inc({ outcome: 'sent' });
      if (this.failing)
        this.logger.info({ registry: this.endpoint.origin }, 'usage reports reach the registry again');
      this.failing = false;
    } catch (error) {
      this.reports.inc({ outcome: 'failed' });
      this.dropped.inc({ reason: 'report_failed' }, batch.requests);
      if (!this.failing)
        this.logger.warn(
          { err: error, registry: this.endpoint.origin, requests: batch.requests },
          'a usage report failed; its usage is dropped (requests are not affected)',
        );
      this.failing = true;
    }
  }
}
