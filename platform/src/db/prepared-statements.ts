import type { Sql } from 'postgres';

/**
 * The same postgres.js client, with every statement Drizzle sends prepared (cached per
 * connection, by its text). Drizzle prepares only statements given a name, and postgres.js sends
 * an unprepared statement with parameters in two round trips (describe, then execute): prepared,
 * each statement after a connection's first costs one round trip and no parse or plan on the server.
 */
export function prepareEveryStatement(sql: Sql): Sql {
  return new Proxy(sql, {
    get(client, property, receiver) {
      const value: unknown = Reflect.get(client, property, receiver);
      if (typeof value !== 'function') return value;
      switch (property) {
        case 'unsafe':
          return (query: string, parameters?: unknown[], options?: Record<string, unknown>) =>
            value.call(client, query, parameters ?? [], { ...options, prepare: true });
        // Transactions and savepoints hand their callback a client of their own: it prepares too.
        case 'begin':
        case 'savepoint':
          return (...args: unknown[]) =>
            value.apply(
              client,
              args.map((arg) =>
                typeof arg === 'function'
                  ? (inner: Sql) => (arg as (client: Sql) => unknown)(prepareEveryStatement(inner))
                  : arg,
              ),
            );
        case 'reserve':
          return async () => prepareEveryStatement(await value.call(client));
        default:
          return value;
      }
    },
  });
}
