import { mkdtemp, rm } from 'node:fs/promises';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort } from '@shop/platform/http';
import postgres from 'postgres';
import type { TestProject } from 'vitest/node';
import { startEmbeddedPostgres } from '../embedded-postgres';
import { chromiumExecutable } from './browser';
import { testDatabaseUrlFromEnv, testNatsUrl, testRedisUrl, testRunsInCi } from './env';

declare module 'vitest' {
  export interface ProvidedContext {
    /** Superuser URL of the Postgres server the tests create their databases on. */
    databaseUrl: string;
    /** Why the tests that need NATS are skipped (no server at NATS_URL, not CI); empty when they run. */
    natsSkipReason: string;
    /** Why the tests that need Redis are skipped (no server at REDIS_URL, not CI); empty when they run. */
    redisSkipReason: string;
    /** The Chromium binary the browser tests launch: the system's, or @sparticuz/chromium's. */
    chromiumPath: string;
  }
}

/**
 * Once per test run: the Postgres server every test uses. TEST_DATABASE_URL names one (CI
 * uses the machine's); without it an embedded server from npm is started, so `npm test`
 * passes on a fresh machine too. An unreachable server fails the run; tests never skip.
 */
export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  project.provide(
    'natsSkipReason',
    await skipReason('NATS', testNatsUrl(), 4222, 'set NATS_URL or start nats-server -js'),
  );
  project.provide(
    'redisSkipReason',
    await skipReason('Redis', testRedisUrl(), 6379, 'set REDIS_URL or start redis-server'),
  );
  project.provide('chromiumPath', await chromiumExecutable());
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

/**
 * A fresh machine has no NATS and no Redis: the tests that need one are skipped there, saying why
 * once. In CI they run and fail loudly instead.
 */
async function skipReason(service: string, url: string, defaultPort: number, hint: string): Promise<string> {
  if (testRunsInCi() || (await reachable(new URL(url), defaultPort))) return '';
  const reason = `no ${service} at ${url} (${hint}): the tests that need ${service} are skipped; with CI=true they fail`;
  process.stderr.write(`\n  ${reason}\n\n`);
  return reason;
}

function reachable(url: URL, defaultPort: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ host: url.hostname, port: Number(url.port || defaultPort), timeout: 2000 });
    const done = (result: boolean) => {
      socket.destroy();
      resolve(result);
    };
    socket.once('connect', () => done(true));
    socket.once('timeout', () => done(false));
    socket.once('error', () => done(false));
  });
}
