import type { Logger } from '../logger';

/**
 * Runs `stop` once on SIGTERM or SIGINT (or when the launcher that started this process goes
 * away), then exits. Repeated signals do not cut it short (wrappers such as npm relay them),
 * but it never takes longer than `graceSeconds` plus a margin.
 */
export function stopOnSignals(logger: Logger, graceSeconds: number, stop: () => Promise<void>): void {
  let stopping = false;
  const shutdown = (reason: string) => {
    if (stopping) return;
    stopping = true;
    logger.info(`${reason}: finishing in-flight requests, then stopping`);
    setTimeout(
      () => {
        logger.error(`still stopping after ${graceSeconds + 5} s: exiting anyway`);
        process.exit(1);
      },
      (graceSeconds + 5) * 1000,
    ).unref();
    stop().then(
      () => {
        logger.info('stopped');
        process.exit(0);
      },
      (error: unknown) => {
        logger.error({ err: error }, 'error while stopping');
        process.exit(1);
      },
    );
  };
  process.on('SIGTERM', () => shutdown('SIGTERM'));
  process.on('SIGINT', () => shutdown('SIGINT'));
  // Started by the launcher with an IPC channel: if the launcher dies, do not linger as an orphan.
  if (process.send) process.on('disconnect', () => shutdown('launcher went away'));
}

/** Last resort: a crash is logged as one JSON line, not a bare stack on stderr. */
export function exitOnCrash(logger: Logger): void {
  process.on('uncaughtException', (error) => {
    logger.fatal({ err: error }, 'uncaught exception');
    process.exit(1);
  });
  process.on('unhandledRejection', (error) => {
    logger.fatal({ err: error }, 'unhandled promise rejection');
    process.exit(1);
  });
}

/** Tells a parent process (launcher, test harness) where this service listens. */
export function announceListening(service: string, port: number): void {
  process.send?.({ type: 'listening', service, port });
}
