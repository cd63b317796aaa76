import { index, pgTable, text, timestamp, uuid } from 'drizzle-orm/pg-core';

export const orders = pgTable(
  'orders',
  {
    id: uuid('id').primaryKey(),
    name: text('name').notNull(),
    // Milliseconds, like a JavaScript Date, so cursors holding it compare exactly.
    createdAt: timestamp('created_at', { withTimezone: true, precision: 3 }).notNull().defaultNow(),
  },
  (table) => [index('orders_name_idx').on(table.name, table.id)],
);

export type OrderRow = typeof orders.$inferSelect;
