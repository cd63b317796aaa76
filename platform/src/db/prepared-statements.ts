import type { Sql } from 'postgres';
import { hookSql } from './sql-hooks';

/**
 * The same postgres.js client, with every statement Drizzle sends prepared (cached per
 * connection, by its text). Drizzle prepares only statements given a name, and postgres.js sends
 * an unprepared statement with parameters in two round trips (describe, then execute): prepared,
 * each statement after a connection's first costs one round trip and no parse or plan on the server.
 */
export function prepareEveryStatement(sql: Sql): Sql {
  return hookSql(sql, {
    unsafe: (send, text, parameters, options) =>
      send(text, (parameters ?? []) as never[], { ...options, prepare: true }),
  });
}
