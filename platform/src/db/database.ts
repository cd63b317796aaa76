import type { PgDatabase } from 'drizzle-orm/pg-core';
import type { PostgresJsQueryResultHKT } from 'drizzle-orm/postgres-js';
import { drizzle, type PostgresJsDatabase } from 'drizzle-orm/postgres-js';
import postgres, { type Sql } from 'postgres';
import { redactUrlPassword } from '../config';
import type { Metrics } from '../metrics';
import { observeSql } from '../telemetry/sql-observer';
import { prepareEveryStatement } from './prepared-statements';

type TableSchema = Record<string, unknown>;

/**
 * What domain functions take: the database or a transaction on it, so the same function
 * runs alone or as one step of a larger transaction.
 */
export type Database<TSchema extends TableSchema> = PgDatabase<PostgresJsQueryResultHKT, TSchema>;

export interface DatabaseHandle<TSchema extends TableSchema> {
  db: PostgresJsDatabase<TSchema>;
  sql: Sql;
  /** Where it connects, with the password hidden: safe for logs. */
  displayUrl: string;
  ping(): Promise<void>;
  close(): Promise<void>;
}

export interface DatabaseOptions<TSchema extends TableSchema> {
  url: string;
  schema: TSchema;
  metrics?: Pick<Metrics, 'dbQueries' | 'dbQueryDuration'>;
  maxConnections?: number;
  /**
   * false: no array-type lookup on each new connection. postgres.js 3.4 leaves that lookup's
   * failure unhandled when the connection is cut as it opens (a database restart).
   */
  fetchTypes?: boolean;
}

/**
 * One driver path everywhere (postgres.js + Drizzle); every statement sent is counted in
 * `db_queries_total`, timed in `db_query_duration_seconds` and traced as a span of the request.
 */
export function connectDatabase<TSchema extends TableSchema>(
  options: DatabaseOptions<TSchema>,
): DatabaseHandle<TSchema> {
  const { metrics } = options;
  const client = postgres(options.url, {
    max: options.maxConnections ?? 10,
    connect_timeout: 10,
    idle_timeout: 60,
    fetch_types: options.fetchTypes ?? true,
    // Postgres NOTICEs ("relation already exists, skipping") are noise in service logs.
    onnotice: () => {},
    ...(metrics
      ? {
          debug: (_connection: number, query: string) => {
            if (!isDriverTypeLookup(query)) metrics.dbQueries.inc();
          },
        }
      : {}),
  });
  const sql = observeSql(prepareEveryStatement(client), {
    url: options.url,
    ...(metrics ? { duration: metrics.dbQueryDuration } : {}),
  });
  return {
    db: drizzle({ client: sql, schema: options.schema }),
    sql,
    displayUrl: redactUrlPassword(options.url),
    async ping() {
      await sql`select 1`;
    },
    async close() {
      await sql.end({ timeout: 5 });
    },
  };
}

/**
 * postgres.js looks up the array types once on a connection it opens: the driver's business, not
 * a statement a request caused, so `db_queries_total` leaves it out (it would make the count of
 * the same request depend on whether the pool had to open a connection for it).
 */
function isDriverTypeLookup(query: string): boolean {
  return query.includes('b.typarray') && query.includes('pg_catalog.pg_type');
}

/** Turns a failed connection into one line a person can act on. */
export function describeConnectionError(error: unknown, displayUrl: string): string {
  const code = (error as { code?: string }).code;
  const reason = error instanceof Error ? error.message : String(error);
  switch (code) {
    case 'ECONNREFUSED':
    case 'ENOTFOUND':
    case 'EAI_AGAIN':
    case 'CONNECT_TIMEOUT':
      return `cannot reach Postgres at ${displayUrl} (${code}): is it running, and is DATABASE_URL right?`;
    case '28P01':
    case '28000':
      return `Postgres at ${displayUrl} refused the login: check the user and password in DATABASE_URL (${reason})`;
    case '3D000':
      return `the database in DATABASE_URL does not exist on ${displayUrl} (${reason})`;
    default:
      return `cannot use the database at ${displayUrl}: ${reason}`;
  }
}
