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
 * Attempts counted per key in a window that starts with the key's first attempt, shared by every
 * replica of accounts. Keys are digests, so a table holds no email address or IP in clear.
 */
function attemptCounters(name: string, countColumn: string) {
  return pgTable(
    name,
    {
      key: text('key').primaryKey(),
      windowStartedAt: timestamp('window_started_at', { withTimezone: true, precision: 3 }).notNull(),
      count: integer(countColumn).notNull(),
    },
    (table) => [index(`${name}_window_started_at`).on(table.windowStartedAt)],
  );
}

/**
 * Failed log-ins per email, per client address and per email and address pair in the current
 * window (`failures`), and the log-ins being checked right now (`in_flight`): those may still
 * fail, so they count against the limit until their password is checked; a success never stays.
 */
export const loginThrottle = pgTable(
  'login_throttle',
  {
    key: text('key').primaryKey(),
    windowStartedAt: timestamp('window_started_at', { withTimezone: true, precision: 3 }).notNull(),
    failures: integer('failures').notNull(),
    inFlight: integer('in_flight').notNull().default(0),
  },
  (table) => [index('login_throttle_window_started_at').on(table.windowStartedAt)],
);

/** Sign-ups per client address in the current window. */
export const signUpThrottle = attemptCounters('signup_throttle', 'attempts');

export type AttemptCounters = typeof signUpThrottle;
