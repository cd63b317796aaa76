import type { LoadResult } from './load';

export interface ArmReport extends LoadResult {
  name: string;
  note: string;
  /** The gateway process' peak resident memory; 0 when no gateway was in the path. */
  peakRssBytes: number;
  cacheHitRate: number | null;
  /** CPU the gateway process (its workers included) spent per request while measured; null without /proc or a gateway. */
  gatewayCpuMsPerRequest: number | null;
  /** Requests the subgraphs served per client request while measured; null without a gateway. */
  subgraphRequestsPerRequest: number | null;
  /** CPU the whole machine spent per request (gateway, subgraphs, Postgres, load generator). */
  machineCpuMsPerRequest: number | null;
}

interface Measured {
  stock: LoadResult;
  cached: LoadResult;
  uncached: LoadResult;
  hopGateway: LoadResult;
  hopStock: LoadResult;
  hopBare: LoadResult;
  direct: LoadResult;
}

export interface Goal {
  goal: string;
  measured: string;
  met: boolean;
}

const ms = (value: number) => `${value.toFixed(1)} ms`;
const ratio = (value: number) => `${value.toFixed(2)}×`;

/** Prints the table, the ratios and the goals; returns the same for the JSON file. */
export function printReport(arms: readonly ArmReport[], measured: Measured) {
  const { stock, cached, uncached, hopGateway, hopStock, hopBare, direct } = measured;
  const rows = arms.map((arm) => ({
    arm: arm.name,
    'req/s': arm.requestsPerSecond.toFixed(0),
    p50: ms(arm.latencyMs.p50),
    p95: ms(arm.latencyMs.p95),
    p99: ms(arm.latencyMs.p99),
    errors: String(arm.errors),
    'peak RSS': arm.peakRssBytes > 0 ? `${(arm.peakRssBytes / 1024 / 1024).toFixed(0)} MiB` : '—',
    'vs stock': arm.name.includes('products') ? '—' : ratio(arm.requestsPerSecond / stock.requestsPerSecond),
    'cache hits': arm.cacheHitRate === null ? '—' : `${(arm.cacheHitRate * 100).toFixed(0)}%`,
    'subgraph req/req':
      arm.subgraphRequestsPerRequest === null ? '—' : arm.subgraphRequestsPerRequest.toFixed(2),
    'gateway CPU/req': arm.gatewayCpuMsPerRequest === null ? '—' : ms(arm.gatewayCpuMsPerRequest),
    'machine CPU/req': arm.machineCpuMsPerRequest === null ? '—' : ms(arm.machineCpuMsPerRequest),
  }));
  printTable(rows);
  for (const arm of arms) {
    if (arm.note) console.info(`  ${arm.name}: ${arm.note}`);
    if (arm.errors > 0) console.info(`  ${arm.name}: errors ${JSON.stringify(arm.errorsByKind)}`);
  }
  // What a hop adds to the direct subgraph's mean latency, and that as a share of it.
  const hopOf = (through: LoadResult) => {
    const added = through.latencyMs.mean - direct.latencyMs.mean;
    return {
      ms: added,
      shareOfDirect: direct.latencyMs.mean > 0 ? added / direct.latencyMs.mean : Number.POSITIVE_INFINITY,
    };
  };
  const hop = hopOf(hopGateway);
  const hopText = ({ ms: added, shareOfDirect }: ReturnType<typeof hopOf>) =>
    `${ms(added)} over ${ms(direct.latencyMs.mean)} = ${(shareOfDirect * 100).toFixed(0)}%`;
  const goals: Goal[] = [
    {
      goal: 'caching on ≥ 3× stock throughput',
      measured: ratio(cached.requestsPerSecond / stock.requestsPerSecond),
      met: cached.requestsPerSecond >= 3 * stock.requestsPerSecond,
    },
    {
      goal: 'caching off ≥ 1.5× stock throughput',
      measured: ratio(uncached.requestsPerSecond / stock.requestsPerSecond),
      met: uncached.requestsPerSecond >= 1.5 * stock.requestsPerSecond,
    },
    {
      goal: 'p99 no worse than stock (caching on / off)',
      measured: `${ms(cached.latencyMs.p99)} / ${ms(uncached.latencyMs.p99)} vs ${ms(stock.latencyMs.p99)}`,
      met: cached.latencyMs.p99 <= stock.latencyMs.p99 && uncached.latencyMs.p99 <= stock.latencyMs.p99,
    },
    {
      goal: 'zero errors',
      measured: arms.map((arm) => arm.errors).join(' / '),
      met: arms.every((arm) => arm.errors === 0),
    },
    {
      goal: 'gateway hop ≤ 40% of the direct subgraph time (mean latency)',
      measured: hopText(hop),
      met: hop.shareOfDirect <= 0.4,
    },
  ];
  console.info('');
  for (const goal of goals) console.info(`${goal.met ? 'MET   ' : 'MISSED'}  ${goal.goal}: ${goal.measured}`);
  console.info(`        the same hop through the stock gateway: ${hopText(hopOf(hopStock))}`);
  console.info(`        through a bare Node hop, no GraphQL (the floor): ${hopText(hopOf(hopBare))}`);
  return {
    arms,
    ratiosToStock: {
      cachingOnThroughput: cached.requestsPerSecond / stock.requestsPerSecond,
      cachingOffThroughput: uncached.requestsPerSecond / stock.requestsPerSecond,
      cachingOnP99: cached.latencyMs.p99 / stock.latencyMs.p99,
      cachingOffP99: uncached.latencyMs.p99 / stock.latencyMs.p99,
    },
    gatewayHop: { ours: hop, stock: hopOf(hopStock), bareNode: hopOf(hopBare) },
    goals,
  };
}

function printTable(rows: readonly Record<string, string>[]): void {
  const columns = Object.keys(rows[0] ?? {});
  const widths = columns.map((column) =>
    Math.max(column.length, ...rows.map((row) => (row[column] ?? '').length)),
  );
  const line = (cells: readonly string[]) =>
    cells
      .map((cell, index) =>
        index === 0 ? cell.padEnd(widths[index] ?? 0) : cell.padStart(widths[index] ?? 0),
      )
      .join('  ');
  console.info('');
  console.info(line(columns));
  console.info(line(widths.map((width) => '-'.repeat(width))));
  for (const row of rows) console.info(line(columns.map((column) => row[column] ?? '')));
}
