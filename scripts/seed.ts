import { readSeedPlan } from '@shop/devkit/seed';
import { childEnvironment, loadLauncherConfig } from './config';
import { openDatabaseServer } from './lib/database-server';
import { formatLogLine } from './lib/log-lines';
import { loadLocalSecrets } from './lib/secrets';
import { SUBGRAPHS } from './lib/services';
import { provisionDatabases, seedDatabases } from './lib/stack';

/**
 * `npm run seed -- --products 10000 --users 2000 --reviews 100000 [--seed 7]`: fills every
 * service's database with deterministic data of that size (the same numbers give the same
 * rows). Seeds the embedded Postgres in DATA_DIR, or the server DATABASE_URL names.
 */
const plan = (() => {
  try {
    return readSeedPlan(process.argv.slice(2));
  } catch (error) {
    console.error(`npm run seed: ${(error as Error).message}`);
    process.exit(2);
  }
})();
const config = loadLauncherConfig();
const output = (service: string, line: string) => console.info(formatLogLine(service, line));
const secrets = loadLocalSecrets(
  config.DATA_DIR,
  SUBGRAPHS.map((spec) => spec.name),
);
const server = await openDatabaseServer(config, secrets, (line) => {
  if (/\b(ERROR|FATAL|PANIC|WARNING):/.test(line)) output('postgres', line);
});
try {
  const started = Date.now();
  const databaseUrls = await provisionDatabases({
    adminUrl: server.adminUrl,
    passwordOf: (service) => secrets.databasePasswords[service] as string,
  });
  await seedDatabases(plan, databaseUrls, { env: childEnvironment, output });
  console.info(`seeded ${JSON.stringify(plan)} in ${((Date.now() - started) / 1000).toFixed(1)} s`);
} catch (error) {
  console.error(`npm run seed: ${(error as Error).message}`);
  process.exitCode = 1;
} finally {
  await server.stop();
}
