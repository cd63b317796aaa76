import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { SeedPlan } from '@shop/devkit/seed';
import postgres from 'postgres';

interface SeedMarker {
  clusterId: string;
  seededAt: string;
  plan: SeedPlan;
}

/**
 * Whether this Postgres cluster already got its demo data. The marker remembers the
 * cluster's system identifier, so a cluster made anew (data folder deleted) is seeded again.
 */
export async function isSeeded(dataDir: string, adminUrl: string): Promise<boolean> {
  const file = join(dataDir, 'seeded.json');
  if (!existsSync(file)) return false;
  const marker = JSON.parse(readFileSync(file, 'utf8')) as SeedMarker;
  return marker.clusterId === (await clusterId(adminUrl));
}

export async function markSeeded(dataDir: string, adminUrl: string, plan: SeedPlan): Promise<void> {
  const marker: SeedMarker = {
    clusterId: await clusterId(adminUrl),
    seededAt: new Date().toISOString(),
    plan,
  };
  writeFileSync(join(dataDir, 'seeded.json'), `${JSON.stringify(marker, null, 2)}\n`);
}

async function clusterId(adminUrl: string): Promise<string> {
  const sql = postgres(adminUrl, { max: 1 });
  try {
    const [row] = await sql<{ id: string }[]>`select system_identifier::text as id from pg_control_system()`;
    return row?.id ?? 'unknown';
  } finally {
    await sql.end();
  }
}
