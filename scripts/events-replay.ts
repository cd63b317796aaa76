import { loadConfig } from '@shop/platform/config';
import {
  connectEventTransport,
  eventBusOptions,
  parseReplayCommand,
  REPLAY_USAGE,
  replayDeadLetters,
  replayExitCode,
} from '@shop/platform/events';
import { createLogger } from '@shop/platform/logger';
import { subgraphEnv } from '@shop/platform/service';
import postgres from 'postgres';
import { z } from 'zod';
import { SUBGRAPHS } from './lib/services';

/**
 * `npm run events:replay -- --service <name> (--event <id> ... | --all) [--reason <r>] [--dry-run]`:
 * delivers a service's dead-lettered events again, to that service's consumer only, once their
 * cause is fixed. Run it with the service's own environment (DATABASE_URL, NATS_URL or
 * EVENTS_DATABASE_URL, EVENTS_NAMESPACE): it reads them as the service does.
 */
const parsed = parseReplayCommand(
  process.argv.slice(2),
  SUBGRAPHS.map((spec) => spec.name),
);
if (!parsed.ok) {
  console.error(`npm run events:replay: ${parsed.error}\n${REPLAY_USAGE}`);
  process.exit(2);
}
const { command } = parsed;
const spec = SUBGRAPHS.find((candidate) => candidate.name === command.service);
const config = loadConfig(
  command.service,
  z.object(subgraphEnv({ port: spec?.port ?? 0, database: command.service })),
);
const logger = createLogger('events-replay', config.LOG_LEVEL === 'info' ? 'warn' : config.LOG_LEVEL);
const sql = postgres(config.DATABASE_URL, { max: 2, connect_timeout: 10, onnotice: () => {} });
let exitCode: number = 1;
try {
  const transport = await connectEventTransport(eventBusOptions(config), 'events-replay', logger);
  try {
    const result = await replayDeadLetters({
      sql,
      transport,
      consumer: command.service,
      select: command.select,
      ...(command.reason === undefined ? {} : { reason: command.reason }),
      dryRun: command.dryRun,
      print: (line) => console.info(line),
    });
    exitCode = replayExitCode(result);
  } finally {
    await transport.close();
  }
} catch (error) {
  console.error(`npm run events:replay: ${(error as Error).message}`);
} finally {
  await sql.end({ timeout: 5 });
}
process.exit(exitCode);
