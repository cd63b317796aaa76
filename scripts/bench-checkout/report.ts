import type { CheckoutLoadResult } from './checkout-load';
import type { CpuUsage } from './cpu-per-service';
import { type CheckoutInvariants, invariantsHold } from './invariants';
import type { Transport } from './options';

/** One measured arm: a bus, a number of replicas, a round. */
export interface ArmReport {
  /** `nats`, `nats ×2`, with `#2` for a second round. */
  label: string;
  transport: Transport;
  replicas: number;
  /** The machine's 1-minute load average when the arm started (other work on it shows here). */
  loadAverage: number;
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
  /** Orders the measured load made (placeOrder calls the gateway gave up on, but orders took, included). */
  ordersMade: number;
  /** CPU ms per order made, from the start of the measured load until the system settled; null without /proc. */
  cpuPerOrderMs: {
    machine: number;
    /** Every part of the system counted below, the load generator not. */
    system: number;
    loadGenerator: number;
    byPart: Record<string, number>;
  } | null;
  invariants: CheckoutInvariants;
}

export interface ArmMeasurement {
  label: string;
  transport: Transport;
  replicas: number;
  loadAverage: number;
  result: CheckoutLoadResult;
  cpu: CpuUsage | null;
  ordersMade: number;
  invariants: CheckoutInvariants;
}

export interface Percentiles {
  p50: number;
  p95: number;
  p99: number;
  max: number;
}

export function summarize(arm: ArmMeasurement): ArmReport {
  const { result, cpu } = arm;
  const lastFinalMs = Math.max(0, ...result.finals.map((order) => order.finalAtMs));
  const perOrder = (seconds: number) => (seconds * 1000) / Math.max(1, arm.ordersMade);
  return {
    label: arm.label,
    transport: arm.transport,
    replicas: arm.replicas,
    loadAverage: arm.loadAverage,
    ordersMade: arm.ordersMade,
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
    cpuPerOrderMs: cpu && {
      machine: perOrder(cpu.machineSeconds),
      system: perOrder(Object.values(cpu.byPart).reduce((sum, seconds) => sum + seconds, 0)),
      loadGenerator: perOrder(cpu.loadGeneratorSeconds),
      byPart: Object.fromEntries(
        Object.entries(cpu.byPart).map(([part, seconds]) => [part, perOrder(seconds)]),
      ),
    },
    invariants: arm.invariants,
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
const cpuMs = (value: number | undefined) => (value === undefined ? '—' : value.toFixed(1));

/** One column per arm, one row per measure: the buses (and replica counts) side by side. */
export function printReport(reports: readonly ArmReport[], failed: ReadonlyMap<string, string>): void {
  const columns = [...reports.map((report) => report.label), ...failed.keys()];
  const parts = [
    ...new Set(reports.flatMap((report) => Object.keys(report.cpuPerOrderMs?.byPart ?? {}))),
  ].sort((a, b) => Number(a.startsWith('postgres')) - Number(b.startsWith('postgres')) || a.localeCompare(b));
  const rows: [string, (report: ArmReport) => string][] = [
    ['load average (1 min) at start', (r) => r.loadAverage.toFixed(1)],
    ['placeOrder sent', (r) => `${r.sent} (${r.sentPerSecond.toFixed(1)}/s)`],
    ['accepted / confirmed / rejected', (r) => `${r.accepted} / ${r.confirmed} / ${r.rejected}`],
    ['orders made (CPU is per order made)', (r) => String(r.ordersMade)],
    ['not final in time', (r) => String(r.unfinished)],
    ['placeOrder p50 / p99', (r) => `${ms(r.placeOrderMs.p50)} / ${ms(r.placeOrderMs.p99)}`],
    ['placed → final p50', (r) => ms(r.toFinalMs.p50)],
    ['placed → final p95', (r) => ms(r.toFinalMs.p95)],
    ['placed → final p99', (r) => ms(r.toFinalMs.p99)],
    ['final orders/s (first send → last final)', (r) => r.finalPerSecond.toFixed(1)],
    [
      'invariants (not final, charges, stock, held)',
      (r) =>
        invariantsHold(r.invariants)
          ? 'hold'
          : `${r.invariants.ordersNotFinal}, ${r.invariants.chargeMismatches}, ${r.invariants.stockMismatches}, ${r.invariants.unitsStillReserved}`,
    ],
    ['CPU ms per order: machine (all processes)', (r) => cpuMs(r.cpuPerOrderMs?.machine)],
    ['  the system (parts below)', (r) => cpuMs(r.cpuPerOrderMs?.system)],
    ...parts.map((part): [string, (report: ArmReport) => string] => [
      `    ${part}`,
      (r) => cpuMs(r.cpuPerOrderMs?.byPart[part]),
    ]),
    ['  load generator (apart)', (r) => cpuMs(r.cpuPerOrderMs?.loadGenerator)],
  ];
  const table = [
    ['', ...columns],
    ...rows.map(([label, value]) => [
      label,
      ...columns.map((column) => {
        const report = reports.find((candidate) => candidate.label === column);
        return report ? value(report) : 'failed';
      }),
    ]),
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
      console.info(`  ${report.label}: placeOrder errors ${JSON.stringify(report.placeErrors)}`);
  }
  for (const [label, reason] of failed) console.info(`  ${label}: ${reason}`);
}
