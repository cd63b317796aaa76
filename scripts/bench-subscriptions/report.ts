import { type Percentiles, percentiles } from '../bench-checkout/report';
import type { FollowedOrder } from './subscribers';

/** A gateway's memory as its /metrics says (process metrics, sampled: no GC forced). */
export interface GatewayMemory {
  rssBytes: number;
  heapUsedBytes: number;
}

export interface SubscriptionReport {
  subscribers: number;
  /** Subscribers that received their order's final status (CONFIRMED or REJECTED) over the subscription. */
  receivedFinal: number;
  finalStatuses: Record<string, number>;
  /** Of those, the ones whose subscription opened before the saga ended (first event not final): a pushed event. */
  pushedFinal: number;
  failed: number;
  firstErrors: string[];
  /** Saga's final transaction (the order's updatedAt, its now()) → the event at the subscriber; pushed finals only. */
  commitToClientMs: Percentiles;
  /** placeOrder's answer → the final event at the subscriber (the saga's duration included). */
  placedToClientMs: Percentiles;
  /** Subscriptions open at once at the peak, as the gateway counts them. */
  peakRunning: number;
  peakUpstreamSockets: number;
  before: GatewayMemory;
  peak: GatewayMemory;
  rssPerSubscriptionKb: number;
  heapPerSubscriptionKb: number;
  /** After every subscriber left: both gauges must be back to 0. */
  runningAfterClose: number;
  upstreamSocketsAfterClose: number;
  placingSeconds: number;
  totalSeconds: number;
}

export function summarize(
  followed: readonly FollowedOrder[],
  measures: Omit<
    SubscriptionReport,
    | 'receivedFinal'
    | 'finalStatuses'
    | 'pushedFinal'
    | 'failed'
    | 'firstErrors'
    | 'commitToClientMs'
    | 'placedToClientMs'
    | 'rssPerSubscriptionKb'
    | 'heapPerSubscriptionKb'
  >,
): SubscriptionReport {
  const finals = followed.filter((order) => order.finalStatus !== null);
  const pushed = finals.filter((order) => order.firstStatus !== order.finalStatus);
  const finalStatuses: Record<string, number> = {};
  for (const order of finals)
    finalStatuses[order.finalStatus as string] = (finalStatuses[order.finalStatus as string] ?? 0) + 1;
  const perSubscriptionKb = (bytes: number) => bytes / Math.max(1, measures.peakRunning) / 1024;
  return {
    ...measures,
    receivedFinal: finals.length,
    finalStatuses,
    pushedFinal: pushed.length,
    failed:
      followed.filter((order) => order.error !== null && order.finalStatus === null).length +
      (measures.subscribers - followed.length),
    firstErrors: [...new Set(followed.flatMap((order) => (order.error ? [order.error] : [])))].slice(0, 3),
    commitToClientMs: percentiles(
      pushed.map((order) => (order.finalReceivedAt as number) - (order.finalCommittedAt as number)),
    ),
    placedToClientMs: percentiles(finals.map((order) => (order.finalReceivedAt as number) - order.placedAt)),
    rssPerSubscriptionKb: perSubscriptionKb(measures.peak.rssBytes - measures.before.rssBytes),
    heapPerSubscriptionKb: perSubscriptionKb(measures.peak.heapUsedBytes - measures.before.heapUsedBytes),
  };
}

const ms = (value: number) => (Number.isNaN(value) ? '—' : `${value.toFixed(0)} ms`);
const mb = (bytes: number) => `${(bytes / 1024 / 1024).toFixed(1)} MB`;

export function printReport(report: SubscriptionReport, log: (line: string) => void): void {
  const latency = (p: Percentiles) => `p50 ${ms(p.p50)}, p99 ${ms(p.p99)}, max ${ms(p.max)}`;
  log(`subscribers                          ${report.subscribers} (one WebSocket each, one gateway)`);
  log(`received their final status          ${report.receivedFinal} ${JSON.stringify(report.finalStatuses)}`);
  log(`  of which pushed (opened before it) ${report.pushedFinal}`);
  log(
    `failed or unfinished                 ${report.failed}${report.firstErrors.length > 0 ? ` ${report.firstErrors.join(' | ')}` : ''}`,
  );
  log(`saga commit → client (pushed)        ${latency(report.commitToClientMs)}`);
  log(`placeOrder answer → client           ${latency(report.placedToClientMs)}`);
  log(
    `running at the peak                  ${report.peakRunning} subscriptions, ${report.peakUpstreamSockets} upstream sockets`,
  );
  log(
    `gateway RSS                          ${mb(report.before.rssBytes)} → ${mb(report.peak.rssBytes)} (${report.rssPerSubscriptionKb.toFixed(1)} KB per subscription)`,
  );
  log(
    `gateway heap used (no forced GC)     ${mb(report.before.heapUsedBytes)} → ${mb(report.peak.heapUsedBytes)} (${report.heapPerSubscriptionKb.toFixed(1)} KB per subscription)`,
  );
  log(
    `after every subscriber left          ${report.runningAfterClose} running, ${report.upstreamSocketsAfterClose} upstream sockets`,
  );
  log(
    `placing took ${report.placingSeconds.toFixed(1)} s; the whole run ${report.totalSeconds.toFixed(1)} s`,
  );
}
