import { applyMigrations, connectDatabase } from '@shop/platform/db';
import { config } from './config';
import { inventorySubgraph } from './subgraph';

/** `npm run db:migrate -w subgraphs/inventory`: applies pending migrations without starting the service. */
const database = connectDatabase({ url: config.DATABASE_URL, schema: inventorySubgraph.tables });
try {
  await applyMigrations(database.sql, inventorySubgraph.migrationsFolder);
} finally {
  await database.close();
}
