import type { BaseContext } from '@apollo/server';
import { connectDatabase, type Database } from '../db/database';
import { applyMigrations } from '../db/migrate';
import { createLogger } from '../logger';
import type { SubgraphDefinition } from '../service/subgraph-service';
import { readSeedPlan, type SeedPlan } from './plan';

/** Inserts a service's share of the plan and says how many rows of what it made. */
export type Seeder<TSchema extends Record<string, unknown>> = (
  db: Database<TSchema>,
  plan: SeedPlan,
) => Promise<Record<string, number>>;

/**
 * A subgraph's `src/seed.ts`: applies migrations, then seeds in one transaction (all or
 * nothing). Seeders insert with fixed ids and skip rows that exist, so running it again
 * changes nothing.
 */
export async function runSeed<TSchema extends Record<string, unknown>>(
  definition: Pick<SubgraphDefinition<TSchema, BaseContext>, 'name' | 'tables' | 'migrationsFolder'>,
  databaseUrl: string,
  seeder: Seeder<TSchema>,
): Promise<void> {
  const logger = createLogger(definition.name);
  const database = connectDatabase({ url: databaseUrl, schema: definition.tables });
  try {
    const plan = readSeedPlan(process.argv.slice(2));
    const started = Date.now();
    await applyMigrations(database.sql, definition.migrationsFolder);
    const counts = await database.db.transaction((tx) => seeder(tx, plan));
    logger.info({ counts, seconds: (Date.now() - started) / 1000 }, `seeded ${definition.name}`);
  } catch (error) {
    logger.fatal({ err: error }, `seeding ${definition.name} failed`);
    process.exitCode = 1;
  } finally {
    await database.close();
  }
}
