import type { Logger } from '../logger';
import { announceListening, exitOnCrash, stopOnSignals } from './shutdown';
import { StartupError } from './subgraph-service';

export interface StartedService {
  port: number;
  stop(): Promise<void>;
}

/**
 * A service process' `main`: start, tell the launcher where it listens, stop cleanly on
 * signals. A start-up failure is one log line and exit code 1.
 */
export async function runService(
  name: string,
  logger: Logger,
  shutdownGraceSeconds: number,
  start: () => Promise<StartedService>,
): Promise<void> {
  exitOnCrash(logger);
  try {
    const service = await start();
    announceListening(name, service.port);
    stopOnSignals(logger, shutdownGraceSeconds, () => service.stop());
  } catch (error) {
    if (error instanceof StartupError) logger.fatal(`${name} could not start: ${error.message}`);
    else logger.fatal({ err: error }, `${name} could not start`);
    process.exit(1);
  }
}
