import type { Database } from '@shop/platform/db';
import { composeSupergraph, type SchemaChange } from '@shop/platform/schema';
import type { PublishedSubgraph, Tables } from '../db/schema';
import { apiChanges, withSubgraph } from './publish';
import { type CoordinateUsage, totalUsage, usageUnder } from './usage';
import { latestVersion } from './versions';

export interface CheckInput {
  /** The subgraphs as the change would publish them; a missing URL keeps the published one. */
  subgraphs: { name: string; sdl: string; url?: string | undefined }[];
  windowHours: number;
  /** A breaking change fails when its usage reaches this many requests… */
  minCount: number;
  /** …and this share (0–1) of all requests in the window. */
  minShare: number;
}

/** What a check says of one change. */
export type ChangeVerdict =
  /** Breaking, and clients used what it breaks: the check fails. */
  | 'breaks-clients'
  /** Breaking, but nothing (or less than the thresholds) used it in the window. */
  | 'unused'
  | 'dangerous'
  | 'safe';

export interface JudgedChange extends SchemaChange {
  verdict: ChangeVerdict;
  /** For breaking changes: the requests in the window that used what it changes, and who sent them. */
  usage: { count: number; share: number; operations: OperationClients[] } | null;
}

export interface OperationClients {
  hash: string;
  name: string | null;
  count: number;
  clients: { name: string; version: string; count: number }[];
}

export type CheckResult =
  | { ok: false; composition: { ok: false; errors: string[] }; changes: []; against: number | null }
  | {
      ok: boolean;
      composition: { ok: true; hints: string[] };
      changes: JudgedChange[];
      /** The live version the change was compared with (null: nothing published yet). */
      against: number | null;
      window: { hours: number; since: string; totalRequests: number };
    };

// Adding a required argument or input field breaks whoever uses the field or input type, not the new name itself.
const JUDGED_BY_PARENT = new Set(['FIELD_ARGUMENT_ADDED', 'INPUT_FIELD_ADDED']);

/**
 * Would the change compose, and whom would it break? Composes the proposed subgraphs with the
 * others' latest, diffs the result against the live version, and weighs each breaking change by
 * what clients sent in the window. Changes nothing.
 */
export async function checkChange(
  db: Database<Tables>,
  input: CheckInput,
  now = new Date(),
): Promise<CheckResult> {
  const live = await latestVersion(db);
  let proposed: PublishedSubgraph[] = live?.subgraphs ?? [];
  const missingUrls: string[] = [];
  for (const subgraph of input.subgraphs) {
    const url = subgraph.url ?? proposed.find((existing) => existing.name === subgraph.name)?.url;
    if (url === undefined)
      missingUrls.push(`[${subgraph.name}] is not published yet: give its URL to check it`);
    else proposed = withSubgraph(proposed, { name: subgraph.name, sdl: subgraph.sdl, url });
  }
  const composition =
    missingUrls.length > 0 ? { ok: false as const, errors: missingUrls } : composeSupergraph(proposed);
  if (!composition.ok)
    return {
      ok: false,
      composition: { ok: false, errors: composition.errors },
      changes: [],
      against: live?.id ?? null,
    };

  const since = new Date(now.getTime() - input.windowHours * 3_600_000);
  const total = await totalUsage(db, since);
  const changes = live ? await apiChanges(live.apiSdl, composition.apiSdl) : [];
  const judged: JudgedChange[] = [];
  for (const change of changes) judged.push(await judge(db, change, since, total, input));
  return {
    ok: judged.every((change) => change.verdict !== 'breaks-clients'),
    composition: { ok: true, hints: composition.hints },
    changes: judged,
    against: live?.id ?? null,
    window: { hours: input.windowHours, since: since.toISOString(), totalRequests: total },
  };
}

async function judge(
  db: Database<Tables>,
  change: SchemaChange,
  since: Date,
  total: number,
  input: CheckInput,
): Promise<JudgedChange> {
  if (change.level !== 'breaking') return { ...change, verdict: change.level, usage: null };
  // A breaking change the diff cannot place (a schema-wide one) is never waved through.
  if (change.path === null)
    return { ...change, verdict: 'breaks-clients', usage: { count: 0, share: 0, operations: [] } };
  const path = JUDGED_BY_PARENT.has(change.type)
    ? change.path.split('.').slice(0, -1).join('.')
    : change.path;
  const rows = await usageUnder(db, path, since);
  const count = rows.reduce((sum, row) => sum + row.count, 0);
  const share = total === 0 ? 0 : count / total;
  const used = count > 0 && count >= input.minCount && share >= input.minShare;
  return {
    ...change,
    verdict: used ? 'breaks-clients' : 'unused',
    usage: { count, share, operations: byOperation(rows) },
  };
}

function byOperation(rows: readonly CoordinateUsage[]): OperationClients[] {
  const operations = new Map<string, OperationClients>();
  for (const row of rows) {
    const operation = operations.get(row.operationHash) ?? {
      hash: row.operationHash,
      name: row.operationName,
      count: 0,
      clients: [],
    };
    operation.count += row.count;
    operation.clients.push({ name: row.clientName, version: row.clientVersion, count: row.count });
    operations.set(row.operationHash, operation);
  }
  return [...operations.values()].sort((a, b) => b.count - a.count);
}
