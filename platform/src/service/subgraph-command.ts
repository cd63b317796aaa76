import type { BaseContext } from '@apollo/server';
import { connectDatabase, type Database } from '../db/database';
import { applyMigrations, migrateDatabase } from '../db/migrate';
import { createLogger } from '../logger';
import { findSubgraphFiles, importTables, type SubgraphFiles } from './define-subgraph';
import { runSubgraph, type SubgraphConfig } from './run-subgraph';
import type { SubgraphDefinition } from './subgraph-service';

type TableSchema = Record<string, unknown>;

/**
 * What `src/db/seed.ts` exports as `seeder`: inserts this service's demo data, reading how much
 * from the command's arguments (`--products 10000 …`), and says how many rows of what it made.
 */
export type SubgraphSeeder<TSchema extends TableSchema, TConfig = SubgraphConfig> = (
  db: Database<TSchema>,
  args: readonly string[],
  config: TConfig,
) => Promise<Record<string, number>>;

export const SUBGRAPH_COMMANDS = ['start', 'migrate', 'seed'] as const;

/**
 * A subgraph's `src/main.ts`, one command for all it does:
 * `start` (the default) serves it; `migrate` applies pending migrations without serving;
 * `seed [--products N …]` applies them and inserts demo data (`src/db/seed.ts`) in one
 * transaction, skipping rows that exist, so running it again changes nothing.
 * `create` is only called to start, so migrating needs none of the service's secrets.
 */
export async function runSubgraphCommand<
  TSchema extends TableSchema,
  TContext extends BaseContext,
  TConfig extends SubgraphConfig,
>(
  moduleUrl: string,
  config: TConfig,
  create: () => Promise<SubgraphDefinition<TSchema, TContext>>,
  argv: readonly string[] = process.argv.slice(2),
): Promise<void> {
  const [command = 'start', ...args] = argv;
  const files = findSubgraphFiles(moduleUrl);
  switch (command) {
    case 'start':
      return runSubgraph(await create(), config);
    case 'migrate':
      return migrateDatabase(config.DATABASE_URL, files.migrationsFolder);
    case 'seed':
      return seed(files, config, args);
    default:
      createLogger(files.name, config.LOG_LEVEL).fatal(
        `unknown command ${JSON.stringify(command)}: expected one of ${SUBGRAPH_COMMANDS.join(', ')}`,
      );
      process.exitCode = 2;
  }
}

async function seed<TConfig extends SubgraphConfig>(
  files: SubgraphFiles,
  config: TConfig,
  args: readonly string[],
): Promise<void> {
  const logger = createLogger(files.name, config.LOG_LEVEL);
  const database = connectDatabase({ url: config.DATABASE_URL, schema: await importTables(files) });
  try {
    const { seeder } = (await import(new URL('db/seed.ts', files.src).href)) as {
      seeder: SubgraphSeeder<TableSchema, TConfig>;
    };
    const started = Date.now();
    await applyMigrations(database.sql, files.migrationsFolder);
    const counts = await database.db.transaction((tx) => seeder(tx, args, config));
    logger.info({ counts, seconds: (Date.now() - started) / 1000 }, `seeded ${files.name}`);
  } catch (error) {
    logger.fatal({ err: error }, `seeding ${files.name} failed`);
    process.exitCode = 1;
  } finally {
    await database.close();
  }
}
