import type { OperationUsage } from '@shop/platform/schema';

/** The registry's report format (registry/src/domain/usage.ts). */
export interface UsageReport {
  operations: { hash: string; name: string | null; signature: string; coordinates: string[] }[];
  counts: { hash: string; clientName: string; clientVersion: string; count: number; errors: number }[];
}

/** Who sent an operation: the `apollographql-client-name` / `-version` headers, cut to what the registry keeps. */
export interface UsageClient {
  name: string;
  version: string;
}

interface Entry {
  hash: string;
  client: UsageClient;
  count: number;
  errors: number;
}

/**
 * Usage since the last report, aggregated: each operation once, a count per operation and
 * client. Holds at most `maxEntries` operation and client pairs; `add` answers false for one
 * it cannot take, so the caller counts it as dropped.
 */
export class UsageBatch {
  private readonly operations = new Map<string, { name: string | null; usage: OperationUsage }>();
  private readonly entries = new Map<string, Entry>();
  /** Requests counted in this batch (what is lost when it cannot be delivered). */
  requests = 0;

  constructor(private readonly maxEntries: number) {}

  add(name: string | null, usage: OperationUsage, client: UsageClient, failed: boolean): boolean {
    const key = `${usage.hash}\n${client.name}\n${client.version}`;
    let entry = this.entries.get(key);
    if (!entry) {
      if (this.entries.size >= this.maxEntries) return false;
      entry = { hash: usage.hash, client, count: 0, errors: 0 };
      this.entries.set(key, entry);
      if (!this.operations.has(usage.hash)) this.operations.set(usage.hash, { name, usage });
    }
    entry.count += 1;
    if (failed) entry.errors += 1;
    this.requests += 1;
    return true;
  }

  get empty(): boolean {
    return this.requests === 0;
  }

  toReport(): UsageReport {
    return {
      operations: [...this.operations.values()].map(({ name, usage }) => ({
        hash: usage.hash,
        name,
        signature: usage.signature,
        coordinates: usage.coordinates,
      })),
      counts: [...this.entries.values()].map((entry) => ({
        hash: entry.hash,
        clientName: entry.client.name,
        clientVersion: entry.client.version,
        count: entry.count,
        errors: entry.errors,
      })),
    };
  }
}
