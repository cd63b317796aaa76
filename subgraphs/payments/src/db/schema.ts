import { index, pgTable, text, timestamp, uuid } from 'drizzle-orm/pg-core';

export const payments = pgTable(
  'payments',
  {
    id: uuid('id').primaryKey(),
    name: text('name').notNull(),
    // Milliseconds, like a JavaScript Date, so cursors holding it compare exactly.
    createdAt: timestamp('created_at', { withTimezone: true, precision: 3 }).notNull().defaultNow(),
  },
  (table) => [index('payments_name_idx').on(table.name, table.id)],
);

export type PaymentRow = typeof payments.$inferSelect;
