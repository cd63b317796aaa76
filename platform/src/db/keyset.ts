import { type SQL, sql } from 'drizzle-orm';
import type { PgColumn } from 'drizzle-orm/pg-core';

/**
 * The keyset condition "comes after this cursor" for a list sorted by `columns` (the last one
 * a unique tie-breaker such as the id), all in the same direction. A row comparison uses one
 * index range scan, and unlike OFFSET it neither skips nor repeats rows when others are
 * inserted while a client pages. Each value is encoded by its column (a Date for a timestamp).
 */
export function afterKey(columns: PgColumn[], values: unknown[], direction: 'asc' | 'desc'): SQL {
  const left = sql.join(columns, sql`, `);
  const right = sql.join(
    columns.map((column, index) => sql.param(values[index], column)),
    sql`, `,
  );
  return direction === 'asc' ? sql`(${left}) > (${right})` : sql`(${left}) < (${right})`;
}
