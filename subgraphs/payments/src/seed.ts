import { runSeed } from '@shop/platform/seed';
import { config } from './config';
import { seed } from './db/seed';
import { paymentsStorage } from './storage';

await runSeed(paymentsStorage, config.DATABASE_URL, seed);
