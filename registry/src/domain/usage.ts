import type { Database } from '@shop/platform/db';
import { lt, sql } from 'drizzle-orm';
import { z } from 'zod';
import { operations, type Tables, usageHourly } from '../db/schema';

const HOUR_MS = 3_600_000;
const hash = z.string().regex(/^[0-9a-f]{64}$/, 'must be a sha256 in hex');

/**
 * What a gateway sends (and the CLI, for committed and persisted operations): each operation
 * once, by its signature's hash, and how often each client sent it. Bounded in every direction.
 */
export const usageReportSchema = z
  .object({
    operations: z
      .array(
        z.object({
          hash,
          name: z.string().max(200).nullable(),
          signature: z.string().min(1).max(100_000),
          coordinates: z.array(z.string().min(1).max(500)).max(10_000),
        }),
      )
      .max(10_000),
    counts: z
      .array(
        z.object({
          hash,
          clientName: z.string().max(200),
          clientVersion: z.string().max(100),
          count: z.number().int().min(1).max(1e12),
          errors: z.number().int().min(0).max(1e12),
        }),
      )
      .max(100_000),
  })
  .superRefine((report, context) => {
    const known = new Set(report.operations.map((operation) => operation.hash));
    report.counts.forEach((count, index) => {
      if (!known.has(count.hash))
        context.addIssue({
          code: 'custom',
          path: ['counts', index, 'hash'],
          message: 'counts an operation the report does not describe',
        });
    });
  });

export type UsageReport = z.output<typeof usageReportSchema>;

/** Adds a report to the hour it arrived in: operations upserted, counts added to their hourly rows. */
export async function recordUsage(
  db: Database<Tables>,
  report: UsageReport,
  now = new Date(),
): Promise<void> {
  const hour = new Date(Math.floor(now.getTime() / HOUR_MS) * HOUR_MS);
  await db.transaction(async (tx) => {
    if (report.operations.length > 0)
      await tx
        .insert(operations)
        .values(report.operations.map((operation) => ({ ...operation, lastSeen: now })))
        .onConflictDoUpdate({
          target: operations.hash,
          set: {
            lastSeen: now,
            // A new schema may map the same signature to other coordinates (a field moved to an interface).
            coordinates: sql`excluded.coordinates`,
          },
        });
    if (report.counts.length > 0)
      await tx
        .insert(usageHourly)
        .values(
          merged(report.counts).map((count) => ({ hour, operationHash: count.hash, ...withoutHash(count) })),
        )
        .onConflictDoUpdate({
          target: [
            usageHourly.hour,
            usageHourly.operationHash,
            usageHourly.clientName,
            usageHourly.clientVersion,
          ],
          set: {
            count: sql`${usageHourly.count} + excluded.count`,
            errors: sql`${usageHourly.errors} + excluded.errors`,
          },
        });
  });
}

type Count = UsageReport['counts'][number];

// One upsert cannot touch a row twice: repeated keys in one report are summed first.
function merged(counts: readonly Count[]): Count[] {
  const byKey = new Map<string, Count>();
  for (const count of counts) {
    const key = JSON.stringify([count.hash, count.clientName, count.clientVersion]);
    const seen = byKey.get(key);
    if (seen)
      byKey.set(key, { ...seen, count: seen.count + count.count, errors: seen.errors + count.errors });
    else byKey.set(key, count);
  }
  return [...byKey.values()];
}

const withoutHash = ({ hash: _hash, ...rest }: Count) => rest;

/** Deletes hourly usage older than `retentionDays`, and operations no hour refers to any more. */
export async function pruneUsage(
  db: Database<Tables>,
  retentionDays: number,
  now = new Date(),
): Promise<number> {
  const cutoff = new Date(now.getTime() - retentionDays * 24 * HOUR_MS);
  const deleted = await db
    .delete(usageHourly)
    .where(lt(usageHourly.hour, cutoff))
    .returning({ hour: usageHourly.hour });
  await db.execute(
    sql`delete from operations o where not exists (select 1 from usage_hourly u where u.operation_hash = o.hash)`,
  );
  return deleted.length;
}

/** Who used one coordinate (or anything under it) since `since`: per operation and client version. */
export interface CoordinateUsage {
  operationHash: string;
  operationName: string | null;
  clientName: string;
  clientVersion: string;
  count: number;
}

export async function usageUnder(
  db: Database<Tables>,
  path: string,
  since: Date,
): Promise<CoordinateUsage[]> {
  const rows = await db.execute<{
    operation_hash: string;
    operation_name: string | null;
    client_name: string;
    client_version: string;
    count: string;
  }>(sql`
    select o.hash as operation_hash, o.name as operation_name, u.client_name, u.client_version,
           sum(u.count)::bigint as count
      from operations o
      join usage_hourly u on u.operation_hash = o.hash
     where u.hour >= ${since.toISOString()}::timestamptz
       and exists (select 1 from unnest(o.coordinates) c where c = ${path} or starts_with(c, ${`${path}.`}))
     group by o.hash, o.name, u.client_name, u.client_version
     order by count desc, o.name`);
  return rows.map((row) => ({
    operationHash: row.operation_hash,
    operationName: row.operation_name,
    clientName: row.client_name,
    clientVersion: row.client_version,
    count: Number(row.count),
  }));
}

/** One coordinate clients used since a time: requests that used it, and by how many operations and clients. */
export interface UsedCoordinate {
  coordinate: string;
  count: number;
  operations: number;
  clients: number;
}

/** Every coordinate used since `since`, most requested first: the per-field index of the history page. */
export async function usedCoordinates(
  db: Database<Tables>,
  since: Date,
  limit: number,
): Promise<UsedCoordinate[]> {
  const rows = await db.execute<{
    coordinate: string;
    count: string;
    operations: string;
    clients: string;
  }>(sql`
    select c as coordinate, sum(u.count)::bigint as count, count(distinct o.hash) as operations,
           count(distinct (u.client_name, u.client_version)) as clients
      from operations o
      cross join unnest(o.coordinates) c
      join usage_hourly u on u.operation_hash = o.hash
     where u.hour >= ${since.toISOString()}::timestamptz
     group by c
     order by count desc, c
     limit ${limit}`);
  return rows.map((row) => ({
    coordinate: row.coordinate,
    count: Number(row.count),
    operations: Number(row.operations),
    clients: Number(row.clients),
  }));
}

/** Every request counted since `since`: the denominator of a share. */
export async function totalUsage(db: Database<Tables>, since: Date): Promise<number> {
  const [row] = await db.execute<{ total: string | null }>(
    sql`select sum(count)::bigint as total from usage_hourly where hour >= ${since.toISOString()}::timestamptz`,
  );
  return Number(row?.total ?? 0);
}
