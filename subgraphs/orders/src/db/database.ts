import type { Database } from '@shop/platform/db';
import type * as tables from './schema';

export type Tables = typeof tables;
/** The orders database, or a transaction on it. */
export type Db = Database<Tables>;
