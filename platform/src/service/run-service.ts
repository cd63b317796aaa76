import type { Logger } from '../logger';
import { loadTelemetryConfig } from '../telemetry/config';
import { startTelemetry } from '../telemetry/sdk';
import { announceListening, exitOnCrash, stopOnSignals } from './shutdown';
import { StartupError } from './subgraph-service';

export interface StartedService {
  port: number;
  stop(): Promise<void>;
}

/**
 * A service process' `main`: tracing first (OTEL_* variables), then start, tell the launcher
 * where it listens, stop cleanly on signals, sending the last spans before exiting. A start-up
 * failure is one log line and exit code 1.
 */
export async function runService(
  name: string,
  logger: Logger,
  shutdownGraceSeconds: number,
  start: () => Promise<StartedService>,
): Promise<void> {
  exitOnCrash(logger);
  const telemetry = await startTelemetry(name, loadTelemetryConfig(name));
  try {
    const service = await start();
    announceListening(name, service.port);
    stopOnSignals(logger, shutdownGraceSeconds, async () => {
      await service.stop();
      await telemetry.shutdown();
    });
  } catch (error) {
    if (error instanceof StartupError) logger.fatal(`${name} could not start: ${error.message}`);
    else logger.fatal({ err: error }, `${name} could not start`);
    process.exit(1);
  }
}
