import { applyMigrations, connectDatabase } from '@shop/platform/db';
import { config } from './config';
import { paymentsStorage } from './storage';

/** `npm run db:migrate -w subgraphs/payments`: applies pending migrations without starting the service. */
const database = connectDatabase({ url: config.DATABASE_URL, schema: paymentsStorage.tables });
try {
  await applyMigrations(database.sql, paymentsStorage.migrationsFolder);
} finally {
  await database.close();
}
