import { type Attributes, SpanKind, SpanStatusCode } from '@opentelemetry/api';
import {
  ATTR_DB_NAMESPACE,
  ATTR_DB_OPERATION_NAME,
  ATTR_DB_QUERY_TEXT,
  ATTR_DB_SYSTEM_NAME,
  ATTR_SERVER_ADDRESS,
  ATTR_SERVER_PORT,
  DB_SYSTEM_NAME_VALUE_POSTGRESQL,
} from '@opentelemetry/semantic-conventions';
import type { Sql } from 'postgres';
import type { Histogram } from 'prom-client';
import { hookSql } from '../db/sql-hooks';
import { tracer } from './propagation';

export interface SqlObserver {
  /** Where the statements go, for span attributes. */
  url: string;
  /** Time per statement, by kind (`select`, `insert`, …) and outcome. */
  duration?: Histogram<'statement' | 'outcome'>;
}

// Statement text can be long (large IN lists are parameters, but CTEs are not): spans keep the start.
const MAX_QUERY_TEXT = 4096;

/**
 * The same postgres.js client, with a span (a child of whatever the caller is doing, so a
 * resolver's queries sit under its request) and a latency sample for every statement it
 * runs, inside transactions too. Parameters are never recorded: only the statement text.
 */
export function observeSql(sql: Sql, observer: SqlObserver): Sql {
  const target = new URL(observer.url);
  const common: Attributes = {
    [ATTR_DB_SYSTEM_NAME]: DB_SYSTEM_NAME_VALUE_POSTGRESQL,
    [ATTR_DB_NAMESPACE]: decodeURIComponent(target.pathname.slice(1)),
    [ATTR_SERVER_ADDRESS]: target.hostname,
    [ATTR_SERVER_PORT]: Number(target.port || 5432),
  };
  return hookSql(sql, {
    template: (query, text) => observeQuery(query, text, common, observer),
    unsafe: (send, text, parameters, options) =>
      observeQuery(send(text, parameters as never[], options), text, common, observer),
  });
}

/**
 * postgres.js queries are lazy promises: they run when first awaited. The span and the clock
 * start there and stop when the statement settles.
 */
function observeQuery<T>(query: T, text: string, common: Attributes, observer: SqlObserver): T {
  if (typeof query !== 'object' || query === null || !('then' in query) || typeof query.then !== 'function')
    return query;
  const then = query.then as (this: T, ...handlers: unknown[]) => unknown;
  let observed = false;
  Object.defineProperty(query, 'then', {
    configurable: true,
    writable: true,
    value(this: T, onFulfilled?: (value: unknown) => unknown, onRejected?: (reason: unknown) => unknown) {
      if (observed) return then.call(this, onFulfilled, onRejected);
      observed = true;
      const statement = statementKind(text);
      const span = tracer.startSpan(`${statement.toUpperCase()} ${String(common[ATTR_DB_NAMESPACE])}`, {
        kind: SpanKind.CLIENT,
        attributes: {
          ...common,
          [ATTR_DB_OPERATION_NAME]: statement.toUpperCase(),
          [ATTR_DB_QUERY_TEXT]: text.length > MAX_QUERY_TEXT ? `${text.slice(0, MAX_QUERY_TEXT)}…` : text,
        },
      });
      const started = process.hrtime.bigint();
      const finish = (outcome: 'ok' | 'error', error?: unknown) => {
        observer.duration?.observe({ statement, outcome }, Number(process.hrtime.bigint() - started) / 1e9);
        if (error !== undefined) {
          span.recordException(error instanceof Error ? error : String(error));
          span.setStatus({ code: SpanStatusCode.ERROR });
        }
        span.end();
      };
      return then.call(
        this,
        (value: unknown) => {
          finish('ok');
          return onFulfilled ? onFulfilled(value) : value;
        },
        (reason: unknown) => {
          finish('error', reason);
          if (onRejected) return onRejected(reason);
          throw reason;
        },
      );
    },
  });
  return query;
}

const STATEMENTS = new Set(['select', 'insert', 'update', 'delete', 'with', 'create', 'alter', 'drop']);

/** `select`, `insert`, … from the statement's first word; anything else is `other`. */
function statementKind(text: string): string {
  const word = /^\s*(?:--[^\n]*\n\s*)*([a-z]+)/i.exec(text)?.[1]?.toLowerCase() ?? '';
  return STATEMENTS.has(word) ? word : 'other';
}
