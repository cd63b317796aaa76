import { sql } from 'drizzle-orm';
import { check, pgTable, text, timestamp, uuid } from 'drizzle-orm/pg-core';

export const users = pgTable(
  'users',
  {
    id: uuid('id').primaryKey(),
    /** Stored normalised (trimmed, lower case), so uniqueness is case-insensitive. */
    email: text('email').notNull().unique(),
    name: text('name').notNull(),
    role: text('role', { enum: ['CUSTOMER', 'ADMIN'] })
      .notNull()
      .default('CUSTOMER'),
    createdAt: timestamp('created_at', { withTimezone: true, precision: 3 }).notNull().defaultNow(),
  },
  (table) => [
    check('users_role_known', sql`${table.role} in ('CUSTOMER', 'ADMIN')`),
    check('users_email_normalised', sql`${table.email} = lower(btrim(${table.email}))`),
  ],
);

export type UserRow = typeof users.$inferSelect;
