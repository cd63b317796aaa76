import { applyMigrations, connectDatabase } from '@shop/platform/db';
import { loadRegistryConfig } from './config';
import { tables } from './db/schema';
import { MIGRATIONS_FOLDER } from './server';

/** `npm run db:migrate -w registry`: applies pending migrations without starting the service. */
const config = loadRegistryConfig();
const database = connectDatabase({ url: config.DATABASE_URL, schema: tables });
try {
  await applyMigrations(database.sql, MIGRATIONS_FOLDER);
} finally {
  await database.close();
}
