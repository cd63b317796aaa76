import { nameBasedId } from '@shop/platform/ids';
import { insertInChunks, type Seeder } from '@shop/platform/seed';
import type { Tables } from '../context';
import { payments } from './schema';

const NAMES = ['First', 'Second', 'Third', 'Fourth', 'Fifth'];

/** A few payments with fixed ids, so every start and every machine gets the same ones. */
export const seed: Seeder<Tables> = async (db, plan) => {
  const rows = NAMES.map((name, index) => ({
    id: nameBasedId(`payments:${plan.seed}:${index}`),
    name: `${name} payment`,
  }));
  await insertInChunks(rows, (chunk) => db.insert(payments).values(chunk).onConflictDoNothing());
  return { payments: rows.length };
};
