import type { Database } from '@shop/platform/db';
import type { SubgraphConfig, SubgraphSeeder } from '@shop/platform/service';
import { readSeedPlan, type SeedPlan } from './plan';

/** Inserts a service's share of the plan and says how many rows of what it made. */
export type Seeder<TSchema extends Record<string, unknown>> = (
  db: Database<TSchema>,
  plan: SeedPlan,
) => Promise<Record<string, number>>;

/**
 * The `seeder` a subgraph's `src/db/seed.ts` exports for `src/main.ts seed`: reads the plan
 * from the command's arguments. Seeders insert with fixed ids and skip rows that exist.
 */
export function demoSeeder<TSchema extends Record<string, unknown>, TConfig = SubgraphConfig>(
  seed: (db: Database<TSchema>, plan: SeedPlan, config: TConfig) => Promise<Record<string, number>>,
): SubgraphSeeder<TSchema, TConfig> {
  return (db, args, config) => seed(db, readSeedPlan(args), config);
}
