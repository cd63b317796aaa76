import { runSeed } from '@shop/platform/seed';
import { config } from './config';
import { DEMO_PASSWORDS, seed } from './db/seed';
import { accountsTables } from './subgraph';

// Demo accounts anyone can log in to have no place in production data.
const passwords =
  config.NODE_ENV === 'production' ? null : { ...DEMO_PASSWORDS, admin: config.SEED_ADMIN_PASSWORD };

await runSeed(accountsTables, config.DATABASE_URL, (db, plan) => seed(db, plan, passwords));
