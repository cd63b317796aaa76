import type { CheckoutLoadResult } from './checkout-load';
import type { Transport } from './options';

export interface TransportReport {
  transport: Transport;
  sent: number;
  accepted: number;
  confirmed: number;
  rejected: number;
  unfinished: number;
  placeErrors: Record<string, number>;
  /** placeOrder's own answer time. */
  placeOrderMs: Percentiles;
  /** From sending placeOrder to the order seen in a final state. */
  toFinalMs: Percentiles;
  /** Orders that reached a final state per second, from the first placeOrder to the last final state. */
  finalPerSecond: number;
  /** placeOrder calls per second actually sent. */
  sentPerSecond: number;
}

export interface Percentiles {
  p50: number;
  p95: number;
  p99: number;
  max: number;
}

export function summarize(transport: Transport, result: CheckoutLoadResult): TransportReport {
  const lastFinalMs = Math.max(0, ...result.finals.map((order) => order.finalAtMs));
  return {
    transport,
    sent: result.sent,
    accepted: result.accepted,
    confirmed: result.finals.filter((order) => order.state === 'CONFIRMED').length,
    rejected: result.finals.filter((order) => order.state !== 'CONFIRMED').length,
    unfinished: result.unfinished,
    placeErrors: result.placeErrors,
    placeOrderMs: percentiles(result.placeLatenciesMs),
    toFinalMs: percentiles(result.finals.map((order) => order.latencyMs)),
    finalPerSecond: lastFinalMs > 0 ? result.finals.length / (lastFinalMs / 1000) : 0,
    sentPerSecond: result.sendWindowMs > 0 ? result.sent / (result.sendWindowMs / 1000) : 0,
  };
}

/** Nearest-rank percentiles; NaN for no samples. */
export function percentiles(samples: readonly number[]): Percentiles {
  const sorted = [...samples].sort((a, b) => a - b);
  const rank = (p: number) => sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)];
  return {
    p50: rank(50) ?? Number.NaN,
    p95: rank(95) ?? Number.NaN,
    p99: rank(99) ?? Number.NaN,
    max: sorted.at(-1) ?? Number.NaN,
  };
}

const ms = (value: number) => (Number.isNaN(value) ? '—' : `${value.toFixed(0)} ms`);

/** One column per transport, one row per measure: the two buses side by side. */
export function printReport(
  reports: readonly TransportReport[],
  failed: ReadonlyMap<Transport, string>,
): void {
  const columns = [...reports.map((report) => report.transport), ...failed.keys()];
  const cell = (transport: Transport, value: (report: TransportReport) => string) => {
    const report = reports.find((candidate) => candidate.transport === transport);
    return report ? value(report) : 'failed';
  };
  const rows: [string, (report: TransportReport) => string][] = [
    ['placeOrder sent', (r) => `${r.sent} (${r.sentPerSecond.toFixed(1)}/s)`],
    ['accepted', (r) => String(r.accepted)],
    ['confirmed', (r) => String(r.confirmed)],
    ['rejected', (r) => String(r.rejected)],
    ['not final in time', (r) => String(r.unfinished)],
    ['placeOrder p50', (r) => ms(r.placeOrderMs.p50)],
    ['placed → final p50', (r) => ms(r.toFinalMs.p50)],
    ['placed → final p95', (r) => ms(r.toFinalMs.p95)],
    ['placed → final max', (r) => ms(r.toFinalMs.max)],
    ['throughput (final/s, first send → last final)', (r) => r.finalPerSecond.toFixed(1)],
  ];
  const table = [
    ['', ...columns],
    ...rows.map(([label, value]) => [label, ...columns.map((transport) => cell(transport, value))]),
  ];
  const widths = (table[0] ?? []).map((_, column) =>
    Math.max(...table.map((row) => (row[column] ?? '').length)),
  );
  for (const [index, row] of table.entries()) {
    console.info(
      row
        .map((text, column) =>
          column === 0 ? text.padEnd(widths[column] ?? 0) : text.padStart(widths[column] ?? 0),
        )
        .join('   '),
    );
    if (index === 0) console.info(widths.map((width) => '─'.repeat(width)).join('   '));
  }
  for (const report of reports) {
    if (Object.keys(report.placeErrors).length > 0)
      console.info(`  ${report.transport}: placeOrder errors ${JSON.stringify(report.placeErrors)}`);
  }
  for (const [transport, reason] of failed) console.info(`  ${transport}: ${reason}`);
}
