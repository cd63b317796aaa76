import { applyMigrations, connectDatabase } from '@shop/platform/db';
import { config } from './config';
import { productsSubgraph } from './subgraph';

/** `npm run db:migrate -w subgraphs/products`: applies pending migrations without starting the service. */
const database = connectDatabase({ url: config.DATABASE_URL, schema: productsSubgraph.tables });
try {
  await applyMigrations(database.sql, productsSubgraph.migrationsFolder);
} finally {
  await database.close();
}
