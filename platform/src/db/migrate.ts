import { drizzle } from 'drizzle-orm/postgres-js';
import { migrate } from 'drizzle-orm/postgres-js/migrator';
import postgres, { type Sql } from 'postgres';

// Any constant works: the lock is per database, and only migrations take it.
const MIGRATION_LOCK = 73_112_026;

/**
 * Applies the committed drizzle-kit migrations that are not applied yet. Replicas that start
 * together take turns through an advisory lock held on one connection while the migrator
 * works on the pool, instead of racing to create the same tables.
 */
export async function applyMigrations(sql: Sql, migrationsFolder: string): Promise<void> {
  const lock = await sql.reserve();
  try {
    await lock`select pg_advisory_lock(${MIGRATION_LOCK})`;
    try {
      await migrate(drizzle({ client: sql }), { migrationsFolder });
    } finally {
      await lock`select pg_advisory_unlock(${MIGRATION_LOCK})`;
    }
  } finally {
    lock.release();
  }
}

/** A service's `npm run db:migrate`: applies pending migrations without starting the service. */
export async function migrateDatabase(databaseUrl: string, migrationsFolder: string): Promise<void> {
  const sql = postgres(databaseUrl, { max: 2, onnotice: () => {} });
  try {
    await applyMigrations(sql, migrationsFolder);
  } finally {
    await sql.end();
  }
}
