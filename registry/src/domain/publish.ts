import { createHash } from 'node:crypto';
import type { Database } from '@shop/platform/db';
import { composeSupergraph, diffSchemas, type SchemaChange, toSchemaChange } from '@shop/platform/schema';
import { sql } from 'drizzle-orm';
import { buildSchema } from 'graphql';
import { type PublishedSubgraph, type Tables, versions } from '../db/schema';
import { latestVersion, type VersionRow } from './versions';

export interface PublishInput extends PublishedSubgraph {
  publisher: string;
  commit: string | null;
}

export type PublishOutcome =
  | { kind: 'published'; version: VersionRow }
  | { kind: 'unchanged'; version: VersionRow }
  | { kind: 'rejected'; errors: string[] };

// Any constant: publishes take turns on it, for the length of their transaction.
const PUBLISH_LOCK = 51_170_017;

/**
 * Composes `input` with every other subgraph's latest and, when that composes, stores the new
 * supergraph as the next version. One transaction under an advisory lock: concurrent publishes
 * compose one after the other, each on the other's result, and a failure anywhere (a
 * composition error, the database going away) leaves no version behind.
 */
export function publishSubgraph(db: Database<Tables>, input: PublishInput): Promise<PublishOutcome> {
  return db.transaction(async (tx) => {
    await tx.execute(sql`select pg_advisory_xact_lock(${PUBLISH_LOCK})`);
    const previous = await latestVersion(tx);
    const current = previous?.subgraphs.find((subgraph) => subgraph.name === input.name);
    if (previous && current && current.sdl === input.sdl && current.url === input.url)
      return { kind: 'unchanged', version: previous };
    const proposed = withSubgraph(previous?.subgraphs ?? [], input);
    const composition = composeSupergraph(proposed);
    if (!composition.ok) return { kind: 'rejected', errors: composition.errors };
    const [version] = await tx
      .insert(versions)
      .values({
        hash: createHash('sha256').update(composition.supergraphSdl).digest('hex'),
        supergraphSdl: composition.supergraphSdl,
        apiSdl: composition.apiSdl,
        subgraphs: proposed,
        subgraph: input.name,
        publisher: input.publisher,
        commit: input.commit,
        changes: previous ? await apiChanges(previous.apiSdl, composition.apiSdl) : [],
      })
      .returning();
    return { kind: 'published', version: version as VersionRow };
  });
}

/** The subgraphs of a version with `subgraph` added or replaced, in a stable order (by name). */
export function withSubgraph(
  subgraphs: readonly PublishedSubgraph[],
  subgraph: PublishedSubgraph,
): PublishedSubgraph[] {
  return [
    ...subgraphs.filter((existing) => existing.name !== subgraph.name),
    { name: subgraph.name, url: subgraph.url, sdl: subgraph.sdl },
  ].sort((a, b) => a.name.localeCompare(b.name));
}

export async function apiChanges(beforeSdl: string, afterSdl: string): Promise<SchemaChange[]> {
  return (await diffSchemas(buildSchema(beforeSdl), buildSchema(afterSdl))).map(toSchemaChange);
}
