import type { Database } from '@shop/platform/db';
import { desc, eq, lt } from 'drizzle-orm';
import { type Tables, versions } from '../db/schema';

export type VersionRow = typeof versions.$inferSelect;

export async function latestVersion(db: Database<Tables>): Promise<VersionRow | null> {
  const [row] = await db.select().from(versions).orderBy(desc(versions.id)).limit(1);
  return row ?? null;
}

export async function versionById(db: Database<Tables>, id: number): Promise<VersionRow | null> {
  const [row] = await db.select().from(versions).where(eq(versions.id, id));
  return row ?? null;
}

/** Newest first, without the SDLs: what `schema -- history` lists. */
export function listVersions(db: Database<Tables>, options: { limit: number; before?: number | undefined }) {
  return db
    .select({
      id: versions.id,
      hash: versions.hash,
      subgraph: versions.subgraph,
      publisher: versions.publisher,
      commit: versions.commit,
      changes: versions.changes,
      createdAt: versions.createdAt,
    })
    .from(versions)
    .where(options.before === undefined ? undefined : lt(versions.id, options.before))
    .orderBy(desc(versions.id))
    .limit(options.limit);
}
