import { fileURLToPath } from 'node:url';
import * as tables from './db/schema';

/** Where payments keeps its data: all that migrations and the seed need (they call no processor). */
export const paymentsStorage = {
  name: 'payments',
  tables,
  migrationsFolder: fileURLToPath(new URL('../drizzle', import.meta.url)),
};
