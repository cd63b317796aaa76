import { pino } from 'pino';
import { currentRequestContext } from './request-context';

export type Logger = pino.Logger;
export type LogLevel = pino.LevelWithSilent;

/** JSON logs, one object per line, each carrying the service name and the id of the request being served. */
export function createLogger(service: string, level: LogLevel = 'info'): Logger {
  return pino({
    level,
    base: { service },
    timestamp: pino.stdTimeFunctions.isoTime,
    formatters: { level: (label) => ({ level: label }) },
    mixin: () => {
      const context = currentRequestContext();
      return context ? { requestId: context.requestId } : {};
    },
  });
}
