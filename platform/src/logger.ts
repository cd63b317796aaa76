import { pino } from 'pino';
import { currentRequestContext } from './request-context';
import { currentTraceIds } from './telemetry/propagation';

export type Logger = pino.Logger;
export type LogLevel = pino.LevelWithSilent;

/**
 * JSON logs, one object per line, each carrying the service name, the id of the request being
 * served and the trace it belongs to (`traceId`, `spanId`: the same trace id in every service).
 */
export function createLogger(
  service: string,
  level: LogLevel = 'info',
  destination?: pino.DestinationStream,
): Logger {
  const options: pino.LoggerOptions = {
    level,
    base: { service },
    timestamp: pino.stdTimeFunctions.isoTime,
    formatters: { level: (label) => ({ level: label }) },
    serializers: { err: (error: unknown) => pino.stdSerializers.err(withoutQueryValues(error) as Error) },
    mixin: () => {
      const context = currentRequestContext();
      return { ...(context ? { requestId: context.requestId } : {}), ...currentTraceIds() };
    },
  };
  return destination ? pino(options, destination) : pino(options);
}

// Where a failed statement keeps what it was sent: postgres.js (`parameters`, `args`), Drizzle
// (`params`), and Postgres' own `detail` ("Key (email)=(alice@shop.test) already exists").
const QUERY_VALUE_KEYS = ['params', 'parameters', 'args', 'detail'] as const;
const REDACTED = '[redacted]';

/**
 * An error as it may be logged: a copy with the values a failed statement was sent removed,
 * from it and from its causes, its message and stack included (Drizzle writes the parameters
 * into its message): another user's email or password hash must never reach a log.
 */
export function withoutQueryValues(error: unknown, depth = 0): unknown {
  if (!(error instanceof Error) || depth > 8) return error;
  const copy = Object.create(Object.getPrototypeOf(error)) as Error & Record<string, unknown>;
  for (const key of Reflect.ownKeys(error)) {
    const descriptor = Object.getOwnPropertyDescriptor(error, key);
    if (descriptor) Object.defineProperty(copy, key, { ...descriptor, configurable: true, writable: true });
  }
  // A DOMException (a fetch that timed out) keeps these behind getters that throw on any copy.
  if (error instanceof DOMException)
    for (const key of ['name', 'message', 'code'] as const)
      Object.defineProperty(copy, key, {
        value: error[key],
        enumerable: true,
        configurable: true,
        writable: true,
      });
  const params = (error as { params?: unknown }).params;
  if (params !== undefined) {
    const written = `\nparams: ${String(params)}`;
    copy.message = error.message.replace(written, `\nparams: ${REDACTED}`);
    if (typeof error.stack === 'string') copy.stack = error.stack.replace(written, `\nparams: ${REDACTED}`);
  }
  for (const key of QUERY_VALUE_KEYS) if (Object.hasOwn(copy, key)) copy[key] = REDACTED;
  if (error.cause !== undefined) copy.cause = withoutQueryValues(error.cause, depth + 1);
  return copy;
}
