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
    mixin: () => {
      const context = currentRequestContext();
      return { ...(context ? { requestId: context.requestId } : {}), ...currentTraceIds() };
    },
  };
  return destination ? pino(options, destination) : pino(options);
}
