import { mkdtemp, rm } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import postgres from 'postgres';
import type { TestProject } from 'vitest/node';
import { startEmbeddedPostgres } from '../db/embedded-postgres';
import { testDatabaseUrlFromEnv } from './env';

declare module 'vitest' {
  export interface ProvidedContext {
    /** Superuser URL of the Postgres server the tests create their databases on. */
    databaseUrl: string;
  }
}

/**
 * Once per test run: the Postgres server every test uses. TEST_DATABASE_URL names one (CI
 * uses the machine's); without it an embedded server from npm is started, so `npm test`
 * passes on a fresh machine too. An unreachable server fails the run; tests never skip.
 */
export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const given = testDatabaseUrlFromEnv();
  if (given) {
    const sql = postgres(given, { max: 1, connect_timeout: 5, onnotice: () => {} });
    try {
      await sql`select 1`;
    } catch (error) {
      throw new Error(
        `TEST_DATABASE_URL is set but Postgres is not reachable there: ${(error as Error).message}`,
      );
    } finally {
      await sql.end();
    }
    project.provide('databaseUrl', given);
    return async () => {};
  }
  const dataDir = await mkdtemp(join(tmpdir(), 'shop-test-postgres-'));
  const server = await startEmbeddedPostgres({
    dataDir,
    port: await freePort(),
    superuserPassword: 'test-superuser-password',
    log: () => {},
    rootFallbackDir: join(tmpdir(), 'shop-test-postgres-root'),
  });
  project.provide('databaseUrl', server.url);
  return async () => {
    await server.stop();
    await rm(server.dataDir, { recursive: true, force: true });
    await rm(dataDir, { recursive: true, force: true });
  };
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = createServer();
    probe.once('error', reject);
    probe.listen(0, '127.0.0.1', () => {
      const address = probe.address();
      probe.close(() =>
        typeof address === 'object' && address ? resolve(address.port) : reject(new Error('no port')),
      );
    });
  });
}
