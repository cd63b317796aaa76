import type { Sql } from 'postgres';

/** What to do with the statements a postgres.js client sends; each hook returns the (lazy) query. */
export interface SqlHooks {
  /** sql`select …`: the query a tagged template made, with its text (`$1`… for the values). */
  template?: (query: unknown, text: string) => unknown;
  /** `sql.unsafe(text, parameters, options)`, given the client's own `unsafe` to call. */
  unsafe?: (
    send: Sql['unsafe'],
    text: string,
    parameters?: unknown[],
    options?: Record<string, unknown>,
  ) => unknown;
}

/**
 * The same postgres.js client with `hooks` on every statement it sends, inside transactions,
 * savepoints and reserved connections too (each hands its callback a client of its own, hooked
 * the same way). `sql(value)` is a helper, not a statement: left alone.
 */
export function hookSql(sql: Sql, hooks: SqlHooks): Sql {
  const wrap = (client: Sql): Sql =>
    new Proxy(client, {
      apply(fn, thisArg, args: unknown[]) {
        const result: unknown = Reflect.apply(fn, thisArg, args);
        const strings = args[0];
        return hooks.template && isTemplateStrings(strings)
          ? hooks.template(
              result,
              strings.reduce((text, part, index) => `${text}$${index}${part}`),
            )
          : result;
      },
      get(fn, property, receiver) {
        const value: unknown = Reflect.get(fn, property, receiver);
        if (typeof value !== 'function') return value;
        switch (property) {
          case 'unsafe': {
            const { unsafe } = hooks;
            if (!unsafe) return value;
            const send = value.bind(fn) as Sql['unsafe'];
            return (text: string, parameters?: unknown[], options?: Record<string, unknown>) =>
              unsafe(send, text, parameters, options);
          }
          case 'begin':
          case 'savepoint':
            return (...args: unknown[]) =>
              value.apply(
                fn,
                args.map((arg) =>
                  typeof arg === 'function'
                    ? (inner: Sql) => (arg as (client: Sql) => unknown)(wrap(inner))
                    : arg,
                ),
              );
          case 'reserve':
            return async () => wrap(await value.call(fn));
          default:
            return value;
        }
      },
    });
  return wrap(sql);
}

function isTemplateStrings(value: unknown): value is TemplateStringsArray {
  return Array.isArray(value) && 'raw' in value;
}
