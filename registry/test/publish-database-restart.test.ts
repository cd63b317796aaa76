import { execFile } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type EmbeddedPostgres, startEmbeddedPostgres } from '@shop/devkit/embedded-postgres';
import { eventually } from '@shop/devkit/testing';
import { freePort } from '@shop/platform/http';
import postgres from 'postgres';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PRODUCTS_SDL, startTestRegistry, type TestRegistry } from './support';

// The registry's own Postgres server, which this file stops and starts: the shared one is never touched.
let dataDir: string;
let port: number;
let server: EmbeddedPostgres;
let registry: TestRegistry;
let productsToken: string;
let revision = 0;
const PRODUCTS_URL = 'http://products.internal/graphql';
const ROOT = join(import.meta.dirname, '../..');

const startServer = () =>
  startEmbeddedPostgres({
    dataDir,
    port,
    superuserPassword: 'restart-test-password',
    log: () => {},
    rootFallbackDir: join(tmpdir(), 'shop-test-postgres-root'),
  });
const serverUrl = (database: string) => {
  const url = new URL(server.url);
  url.pathname = `/${database}`;
  return url.toString();
};

beforeAll(async () => {
  dataDir = await mkdtemp(join(tmpdir(), 'registry-restart-'));
  port = await freePort();
  server = await startServer();
  const admin = postgres(server.url, { max: 1, onnotice: () => {} });
  await admin`create database registry`;
  await admin.end();
  registry = await startTestRegistry(
    'registry_restart',
    {},
    {
      url: serverUrl('registry'),
      name: 'registry',
      drop: async () => {},
    },
  );
  productsToken = (await registry.tokenFor('products')).token;
  expect((await publishNext()).status).toBe(201);
});
afterAll(async () => {
  await registry?.stop();
  await server?.stop();
  await rm(server?.dataDir ?? dataDir, { recursive: true, force: true });
  await rm(dataDir, { recursive: true, force: true });
});

/** A publish that changes the schema (one more field each time), so it would make a new version. */
function nextSdl(): string {
  revision += 1;
  return PRODUCTS_SDL.replace('legacyCode: String', `legacyCode: String\n    field${revision}: String`);
}
const publishNext = (sdl = nextSdl()) =>
  registry.call('POST', '/publish', {
    token: productsToken,
    body: { subgraph: 'products', url: PRODUCTS_URL, sdl },
  });

/** Every stored version with the subgraphs and the diff it holds, read from the database itself. */
async function stored() {
  const sql = postgres(serverUrl('registry'), { max: 1, onnotice: () => {} });
  try {
    return await sql`select id, subgraph, subgraphs, changes from versions order by id`;
  } finally {
    await sql.end();
  }
}
async function liveEtag(): Promise<string | null> {
  const response = await fetch(`${registry.url}/supergraph`);
  await response.text();
  return response.headers.get('etag');
}

/**
 * Starts a publish and holds it inside its transaction, composed and about to insert its version
 * (another session locks the versions table); `then` runs while it is held, and the lock is let go.
 */
async function duringPublish(sdl: string, then: (backendPid: number) => Promise<void>) {
  const holder = postgres(serverUrl('registry'), { max: 2, onnotice: () => {} });
  let release = () => {};
  const released = new Promise<void>((resolve) => {
    release = resolve;
  });
  let locked = () => {};
  const lockTaken = new Promise<void>((resolve) => {
    locked = resolve;
  });
  const holding = holder
    .begin(async (tx) => {
      await tx`lock table versions in share mode`;
      locked();
      await released;
    })
    .catch(() => {});
  try {
    await lockTaken;
    const publishing = publishNext(sdl);
    const pid = await eventually(async () => {
      const [row] = await holder<{ pid: number }[]>`
        select pid from pg_stat_activity
        where wait_event_type = 'Lock' and query like 'insert into "versions"%'`;
      return row?.pid;
    }, 'the publish waiting at its insert');
    await then(pid);
    release();
    return await publishing;
  } finally {
    release();
    await holding;
    await holder.end({ timeout: 1 }).catch(() => {});
  }
}

/** `npm run schema -- publish` as a deploy pipeline runs it: its exit code and what it printed. */
async function cliPublish(sdl: string): Promise<{ code: number; output: string }> {
  const file = join(dataDir, 'products.graphql');
  await writeFile(file, sdl);
  const args = ['publish', '--subgraph', 'products', '--sdl', file, '--url', PRODUCTS_URL];
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      ['--import', 'tsx', 'scripts/schema.ts', ...args],
      { cwd: ROOT, env: { ...process.env, REGISTRY_URL: registry.url, REGISTRY_TOKEN: productsToken } },
      (error, stdout, stderr) =>
        resolve({ code: error ? Number(error.code ?? 1) : 0, output: `${stdout}${stderr}` }),
    );
  });
}

// The registry runs in this process: an exception thrown from the driver's timers would end it in production.
const uncaught: unknown[] = [];
const recordUncaught = (error: unknown) => uncaught.push(error);
beforeAll(() => {
  process.on('uncaughtExceptionMonitor', recordUncaught);
});
afterAll(() => {
  process.off('uncaughtExceptionMonitor', recordUncaught);
});

describe('the registry database going away in the middle of a publish', () => {
  it('its connection killed inside the transaction: 503, no version, and the same publish succeeds next', async () => {
    const before = await stored();
    const etag = await liveEtag();
    const sdl = nextSdl();
    const failed = await duringPublish(sdl, async (pid) => {
      const killer = postgres(serverUrl('registry'), { max: 1, onnotice: () => {} });
      await killer`select pg_terminate_backend(${pid})`;
      await killer.end();
    });
    expect(failed.status).toBe(503);
    expect(failed.json.error).toMatch(/database is unavailable; nothing was changed/);
    expect(await stored()).toEqual(before);
    expect(await liveEtag()).toBe(etag);

    const retried = await publishNext(sdl);
    expect(retried.status).toBe(201);
    expect(retried.json.version.id).toBe((before.at(-1)?.id ?? 0) + 1);
    expect(await liveEtag()).not.toBe(etag);
    expect(uncaught).toEqual([]);
  });

  it('its server stopped mid-publish and started again: 503 while down, the same publish succeeds after, no restart of the registry', async () => {
    const before = await stored();
    const etag = await liveEtag();
    const sdl = nextSdl();
    const failed = await duringPublish(sdl, async () => {
      await server.stop();
    });
    expect(failed.status).toBe(503);
    expect(failed.json.error).toMatch(/database is unavailable; nothing was changed/);

    // Down: every write is refused the same way, the CLI exits 1 saying so; nothing is served stale as new.
    expect((await publishNext(sdl)).status).toBe(503);
    const cli = await cliPublish(sdl);
    expect(cli.code).toBe(1);
    expect(cli.output).toMatch(/the registry answered 503: the registry database is unavailable/);
    expect((await fetch(`${registry.url}/ready`)).status).toBe(503);

    server = await startServer();
    expect(await stored()).toEqual(before);
    await eventually(
      async () => (await fetch(`${registry.url}/ready`)).status === 200,
      'the registry ready again',
    );
    const retried = await publishNext(sdl);
    expect(retried.status).toBe(201);
    expect(retried.json.version.id).toBe((before.at(-1)?.id ?? 0) + 1);
    const after = await liveEtag();
    expect(after).not.toBe(etag);
    expect(after).toBe(`"${retried.json.version.hash}"`);
    expect(uncaught).toEqual([]);
  });
});
