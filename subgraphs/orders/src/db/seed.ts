import { nameBasedId } from '@shop/platform/ids';
import { insertInChunks, type Seeder } from '@shop/platform/seed';
import type { Tables } from '../context';
import { orders } from './schema';

const NAMES = ['First', 'Second', 'Third', 'Fourth', 'Fifth'];

/** A few orders with fixed ids, so every start and every machine gets the same ones. */
export const seed: Seeder<Tables> = async (db, plan) => {
  const rows = NAMES.map((name, index) => ({
    id: nameBasedId(`orders:${plan.seed}:${index}`),
    name: `${name} order`,
  }));
  await insertInChunks(rows, (chunk) => db.insert(orders).values(chunk).onConflictDoNothing());
  return { orders: rows.length };
};
