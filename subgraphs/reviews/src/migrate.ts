import { applyMigrations, connectDatabase } from '@shop/platform/db';
import { config } from './config';
import { reviewsSubgraph } from './subgraph';

/** `npm run db:migrate -w subgraphs/reviews`: applies pending migrations without starting the service. */
const database = connectDatabase({ url: config.DATABASE_URL, schema: reviewsSubgraph.tables });
try {
  await applyMigrations(database.sql, reviewsSubgraph.migrationsFolder);
} finally {
  await database.close();
}
