import autocannon from 'autocannon';
import type { WorkloadRequest } from './workload';

export interface LoadOptions {
  url: string;
  connections: number;
  durationSeconds: number;
  next: () => WorkloadRequest;
  /** Extra headers for one request (the gateway proof when calling a subgraph directly). */
  headersFor?: (request: WorkloadRequest) => Record<string, string>;
}

/** What one bounded run of load saw: every response's latency, and the failures by kind. */
export interface LoadSample {
  durationSeconds: number;
  latencies: number[];
  errorsByKind: Record<string, number>;
}

export interface LoadResult {
  requests: number;
  requestsPerSecond: number;
  latencyMs: { p50: number; p95: number; p99: number; mean: number };
  /** Requests that failed: no answer, an HTTP error, or a GraphQL `errors` entry in the answer. */
  errors: number;
  errorsByKind: Record<string, number>;
}

/**
 * Sends requests drawn from `next` over `connections` kept-alive connections for a bounded time
 * (loopback only), and measures each: latency from autocannon's per-response timing, errors
 * by reading every answer.
 */
export async function runLoad(options: LoadOptions): Promise<LoadSample> {
  const latencies: number[] = [];
  const errorsByKind: Record<string, number> = {};
  const count = (kind: string) => {
    errorsByKind[kind] = (errorsByKind[kind] ?? 0) + 1;
  };
  const target = new URL(options.url);
  if (!['127.0.0.1', 'localhost', '[::1]'].includes(target.hostname))
    throw new Error(`the benchmark only loads loopback addresses, not ${target.hostname}`);
  let finished: (result: autocannon.Result) => void = () => {};
  let failed: (error: unknown) => void = () => {};
  const done = new Promise<autocannon.Result>((resolve, reject) => {
    finished = resolve;
    failed = reject;
  });
  const instance = autocannon(
    {
      url: options.url,
      connections: options.connections,
      duration: options.durationSeconds,
      timeout: 30,
      requests: [
        {
          method: 'POST',
          path: target.pathname,
          setupRequest: (request) => {
            const next = options.next();
            return {
              ...request,
              method: 'POST',
              body: next.body,
              headers: {
                'content-type': 'application/json',
                ...(options.headersFor?.(next) ?? {}),
              },
            };
          },
          onResponse: (status, body) => {
            if (status !== 200) count(`HTTP ${status}`);
            else if (body.includes('"errors"')) count('GraphQL errors');
          },
        },
      ],
    },
    (error, result) => (error ? failed(error) : finished(result)),
  );
  instance.on('response', (_client, _status, _bytes, responseTime) => {
    latencies.push(responseTime);
  });
  const result = await done;
  if (result.errors > 0) errorsByKind['no answer'] = result.errors;
  if (result.timeouts > 0) errorsByKind.timeout = result.timeouts;
  return { durationSeconds: options.durationSeconds, latencies, errorsByKind };
}

/** Throughput, latency percentiles and errors over one or more runs of the same load. */
export function summarizeLoad(samples: readonly LoadSample[]): LoadResult {
  const latencies = samples.flatMap((sample) => sample.latencies).sort((a, b) => a - b);
  const durationSeconds = samples.reduce((total, sample) => total + sample.durationSeconds, 0);
  const errorsByKind: Record<string, number> = {};
  for (const sample of samples)
    for (const [kind, count] of Object.entries(sample.errorsByKind))
      errorsByKind[kind] = (errorsByKind[kind] ?? 0) + count;
  const at = (fraction: number) =>
    latencies.length === 0
      ? 0
      : (latencies[Math.min(latencies.length - 1, Math.floor(fraction * latencies.length))] ?? 0);
  const sum = latencies.reduce((total, value) => total + value, 0);
  return {
    requests: latencies.length,
    requestsPerSecond: durationSeconds > 0 ? latencies.length / durationSeconds : 0,
    latencyMs: {
      p50: at(0.5),
      p95: at(0.95),
      p99: at(0.99),
      mean: latencies.length === 0 ? 0 : sum / latencies.length,
    },
    errors: Object.values(errorsByKind).reduce((total, value) => total + value, 0),
    errorsByKind,
  };
}
