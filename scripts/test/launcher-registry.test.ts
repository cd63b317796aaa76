import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import {
  FALLBACK_SUPERGRAPH,
  gatewayRegistryEnv,
  publishSubgraphsAtStart,
  startRegistryOrWarn,
} from '../lib/launcher-registry';
import { registryClient } from '../lib/registry/client';
import { LAUNCHER_TOKEN_LABEL } from '../lib/registry/launcher-tokens';
import { publishAtStart } from '../lib/registry/publish-at-start';
import type { RegistryService, RegistryServiceOptions } from '../lib/registry-service';
import { type LocalSecrets, loadLocalSecrets } from '../lib/secrets';
import { localSubgraphUrl, REGISTRY, SUBGRAPHS } from '../lib/services';
import { dropDatabases } from '../lib/stack';
import { readSubgraphSources } from '../lib/supergraph';

/**
 * The registry as `npm start` runs it, without the rest of the shop: its own database and role,
 * its process supervised, the subgraphs published with their own tokens (kept, not piling up),
 * and a registry that cannot start costing the launcher nothing but a log line.
 */
const adminUrl = inject('databaseUrl');
const prefix = `test_launcher_registry_${randomBytes(3).toString('hex')}_`;
const dataDir = mkdtempSync(join(tmpdir(), 'launcher-registry-'));
const lines: string[] = [];
const log = (level: string, msg: string) => lines.push(`${level} ${msg}`);
const subgraphUrls = new Map(SUBGRAPHS.map((spec) => [spec.name, localSubgraphUrl(spec)]));

let secrets: LocalSecrets;
let options: RegistryServiceOptions;
let registry: RegistryService | undefined;

type ListedToken = { id: number; subgraph: string; label: string; revokedAt: string | null };
const liveTokens = async () =>
  (
    (await registryClient(registry?.url as string, secrets.registryAdminToken).get('/tokens')) as {
      tokens: ListedToken[];
    }
  ).tokens.filter((token) => token.revokedAt === null);

beforeAll(async () => {
  secrets = loadLocalSecrets(dataDir, [REGISTRY.name]);
  options = {
    adminUrl,
    passwordOf: (service) => secrets.databasePasswords[service] as string,
    databasePrefix: prefix,
    port: 0,
    adminToken: secrets.registryAdminToken,
    usageSecret: secrets.usageSecret,
    env: (overrides) => ({ ...process.env, LOG_LEVEL: 'warn', ...overrides }),
    output: (service, line) => lines.push(`${service} ${line}`),
    restart: { firstDelayMs: 100, maxDelayMs: 1000, giveUpAfter: 5, windowMs: 60_000 },
  };
  registry = await startRegistryOrWarn(options, log);
}, 60_000);

afterAll(async () => {
  await registry?.stop();
  await dropDatabases(adminUrl, prefix);
});

describe('the registry under npm start', () => {
  it('runs on a database and login role of its own, migrated, and answers /health', async () => {
    expect(registry, lines.join('\n')).toBeDefined();
    expect((await fetch(`${registry?.url}/health`)).status).toBe(200);
    expect(registry?.status()).toMatchObject({ name: 'registry', state: 'running', restarts: 0 });
    // Nothing published yet: the gateway would start from its fallback file.
    expect((await fetch(`${registry?.url}/supergraph`)).status).toBe(404);
  });

  it('publishes every subgraph with a token scoped to it, and keeps the tokens for the next start', async () => {
    const outcomes = await publishSubgraphsAtStart({
      registryUrl: registry?.url as string,
      secrets,
      dataDir,
      subgraphUrls,
      log,
    });
    expect(outcomes.map((outcome) => outcome.kind)).toEqual(SUBGRAPHS.map(() => 'published'));
    expect(outcomes.map((outcome) => outcome.subgraph).sort()).toEqual(
      SUBGRAPHS.map((spec) => spec.name).sort(),
    );
    const live = await liveTokens();
    expect(live).toHaveLength(SUBGRAPHS.length);
    for (const spec of SUBGRAPHS)
      expect(live.find((token) => token.subgraph === spec.name)).toMatchObject({
        id: secrets.registryPublishTokens[spec.name]?.id,
        label: LAUNCHER_TOKEN_LABEL,
      });
    const stored = JSON.parse(readFileSync(join(dataDir, 'secrets.json'), 'utf8')) as LocalSecrets;
    expect(stored.registryPublishTokens).toEqual(secrets.registryPublishTokens);

    const supergraph = await fetch(`${registry?.url}/supergraph`);
    expect(supergraph.status).toBe(200);
    const sdl = await supergraph.text();
    for (const spec of SUBGRAPHS) expect(sdl).toContain(`url: "${localSubgraphUrl(spec)}"`);
    const unchanged = await fetch(`${registry?.url}/supergraph`, {
      headers: { 'if-none-match': supergraph.headers.get('etag') as string },
    });
    expect(unchanged.status).toBe(304);
  });

  it('a second start publishes nothing new and reuses the same tokens', async () => {
    const nextStart = loadLocalSecrets(dataDir, [REGISTRY.name]);
    const before = await registryClient(registry?.url as string, '').get('/versions');
    const outcomes = await publishSubgraphsAtStart({
      registryUrl: registry?.url as string,
      secrets: nextStart,
      dataDir,
      subgraphUrls,
      log,
    });
    expect(outcomes.map((outcome) => outcome.kind)).toEqual(SUBGRAPHS.map(() => 'unchanged'));
    expect(nextStart.registryPublishTokens).toEqual(secrets.registryPublishTokens);
    expect(await registryClient(registry?.url as string, '').get('/versions')).toEqual(before);
    expect(await liveTokens()).toHaveLength(SUBGRAPHS.length);
  });

  it('tokens it lost track of are revoked, not left live beside the new ones', async () => {
    const forgetful = { ...secrets, registryPublishTokens: {} };
    await publishSubgraphsAtStart({
      registryUrl: registry?.url as string,
      secrets: forgetful,
      dataDir,
      subgraphUrls,
      log,
    });
    const live = await liveTokens();
    expect(live).toHaveLength(SUBGRAPHS.length);
    for (const spec of SUBGRAPHS) {
      expect(forgetful.registryPublishTokens).toHaveProperty(spec.name);
      expect(live.find((token) => token.subgraph === spec.name)?.id).not.toBe(
        secrets.registryPublishTokens[spec.name]?.id,
      );
    }
    secrets = forgetful;
  });

  it('a subgraph that does not compose is reported with the reason; the others still publish', async () => {
    const sources = readSubgraphSources((spec) => localSubgraphUrl(spec)).map((source) =>
      source.name === 'reviews'
        ? { ...source, sdl: source.sdl.replace(/@key\(fields: "id"\)/, '@key(fields: "noSuchField")') }
        : source,
    );
    const { outcomes } = await publishAtStart({
      registryUrl: registry?.url as string,
      adminToken: secrets.registryAdminToken,
      subgraphs: sources,
      tokens: secrets.registryPublishTokens,
      commit: null,
    });
    const reviews = outcomes.find((outcome) => outcome.subgraph === 'reviews');
    expect(reviews).toMatchObject({ kind: 'failed' });
    expect(reviews?.kind === 'failed' && reviews.reason).toMatch(/422.*does not compose/);
    expect(outcomes.filter((outcome) => outcome.kind === 'unchanged')).toHaveLength(SUBGRAPHS.length - 1);
  });

  it('is restarted when it crashes, on its port', async () => {
    const { pid, port } = registry?.status() ?? {};
    process.kill(pid as number, 'SIGKILL');
    const deadline = Date.now() + 30_000;
    while (registry?.status().restarts !== 1 || registry.status().state !== 'running') {
      if (Date.now() > deadline) throw new Error(`not restarted:\n${lines.join('\n')}`);
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    expect(registry.status()).toMatchObject({ port, lastExit: { code: 'SIGKILL' } });
    expect((await fetch(`${registry.url}/health`)).status).toBe(200);
  }, 40_000);

  it('one that cannot start (its port taken) is logged, and the launcher goes on without it', async () => {
    const port = registry?.status().port as number;
    const failed = await startRegistryOrWarn({ ...options, port, restart: undefined }, log);
    expect(failed).toBeUndefined();
    expect(lines.join('\n')).toMatch(
      /error the schema registry did not start: the shop runs without it, the gateway serves schema\/supergraph\.graphql \(registry exited \(1\) before it was ready/,
    );
  }, 60_000);

  it('the gateway polls its supergraph from the registry, starts from the committed file without it, and reports usage to it', () => {
    expect(gatewayRegistryEnv('http://127.0.0.1:4010', secrets.usageSecret)).toEqual({
      SUPERGRAPH_URL: 'http://127.0.0.1:4010/supergraph',
      SUPERGRAPH_FALLBACK_PATH: FALLBACK_SUPERGRAPH,
      REGISTRY_URL: 'http://127.0.0.1:4010',
      USAGE_REPORTING_SECRET: secrets.usageSecret,
    });
    expect(readFileSync(FALLBACK_SUPERGRAPH, 'utf8')).toContain('join__Graph');
  });
});
