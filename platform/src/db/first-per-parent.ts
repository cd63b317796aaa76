import { and, getTableColumns, inArray, lte, type SQL, sql } from 'drizzle-orm';
import type { PgColumn, PgTable } from 'drizzle-orm/pg-core';
import type { Database } from './database';
import { afterKey } from './keyset';

export interface FirstPerParentQuery<TTable extends PgTable> {
  table: TTable;
  /** The column that names each row's parent (a product's reviews: `productId`). */
  parent: PgColumn;
  parentIds: readonly string[];
  /** The list's order, descending, the last column a unique tie-breaker: newest first is [createdAt, id]. */
  orderBy: PgColumn[];
  /** The `orderBy` values of the last row the client saw; null for a first page. */
  after: readonly unknown[] | null;
  first: number;
}

/**
 * The same page of several parents' lists in one statement (a page loader's batch): rows are
 * numbered per parent in list order and the first `first + 1` of each kept, the extra one
 * telling that a next page exists. Each parent's rows come back in list order.
 */
export async function firstPerParent<TTable extends PgTable>(
  db: Database<Record<string, unknown>>,
  query: FirstPerParentQuery<TTable>,
): Promise<TTable['$inferSelect'][]> {
  if (query.parentIds.length === 0) return [];
  const conditions: SQL[] = [inArray(query.parent, [...query.parentIds])];
  if (query.after) conditions.push(afterKey(query.orderBy, [...query.after], 'desc'));
  const order = sql.join(
    query.orderBy.map((column) => sql`${column} desc`),
    sql`, `,
  );
  // Typed as plain columns: the selection is the table's own, whatever the table.
  const columns: Record<string, PgColumn> = getTableColumns(query.table);
  const ranked = db.$with('ranked').as(
    db
      .select({
        ...columns,
        position: sql<number>`row_number() over (partition by ${query.parent} order by ${order})`.as(
          'position',
        ),
      })
      .from(query.table as PgTable)
      .where(and(...conditions)),
  );
  const rows = await db
    .with(ranked)
    .select()
    .from(ranked)
    .where(lte(ranked.position, query.first + 1))
    .orderBy(ranked.position);
  return rows.map(({ position: _position, ...row }) => row as TTable['$inferSelect']);
}
