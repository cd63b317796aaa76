import { sql } from 'drizzle-orm';
import { check, index, integer, pgTable, text, timestamp, uuid } from 'drizzle-orm/pg-core';

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
    /** argon2id PHC string; null for an account that cannot log in with a password. */
    passwordHash: text('password_hash'),
    createdAt: timestamp('created_at', { withTimezone: true, precision: 3 }).notNull().defaultNow(),
  },
  (table) => [
    check('users_role_known', sql`${table.role} in ('CUSTOMER', 'ADMIN')`),
    check('users_email_normalised', sql`${table.email} = lower(btrim(${table.email}))`),
  ],
);

export type UserRow = typeof users.$inferSelect;

/**
 * Failed log-ins per email and per client address in the current window, shared by every
 * replica of accounts. Keys are digests, so the table holds no email address or IP in clear.
 */
export const loginThrottle = pgTable(
  'login_throttle',
  {
    key: text('key').primaryKey(),
    windowStartedAt: timestamp('window_started_at', { withTimezone: true, precision: 3 }).notNull(),
    failures: integer('failures').notNull(),
  },
  (table) => [index('login_throttle_window_started_at').on(table.windowStartedAt)],
);
