import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { subgraphSecretVariable, subgraphUrlVariable } from '@shop/platform/config';
import { addComposeService } from '@shop/scripts/lib/compose-file';
import { GATEWAY, ROOT, SUBGRAPHS } from '@shop/scripts/lib/services';
import { dropDatabases } from '@shop/scripts/lib/stack';
import postgres from 'postgres';
import { afterAll, describe, expect, inject, it } from 'vitest';
import { parse as parseYaml } from 'yaml';

// What `docker compose up` runs, checked without a Docker engine: the file's wiring, and the
// scripts the containers run (entrypoint, secrets, databases) run here as they would there.
// CI also runs Debian's docker-compose over the file (.ci/run).

interface ComposeService {
  image?: string;
  build?: { context: string; args?: Record<string, string> };
  command?: string[];
  ports?: string[];
  environment?: Record<string, string>;
  healthcheck?: { test: string[] };
  depends_on?: Record<string, { condition: string }>;
  volumes?: string[];
}
const composeText = readFileSync(join(ROOT, 'compose.yaml'), 'utf8');
const compose = parseYaml(composeText) as { services: Record<string, ComposeService> };
const temporary: string[] = [];
const tempDir = () => {
  const dir = mkdtempSync(join(tmpdir(), 'compose-test-'));
  temporary.push(dir);
  return dir;
};
afterAll(() => {
  for (const dir of temporary) rmSync(dir, { recursive: true, force: true });
});

describe('compose.yaml', () => {
  it('runs every subgraph and the gateway from its own image, checked by /ready on its own port', () => {
    for (const spec of [...SUBGRAPHS, GATEWAY]) {
      const service = compose.services[spec.name];
      expect(service?.build?.args?.SERVICE_DIR, spec.name).toBe(spec.dir);
      expect(service?.environment?.PORT, spec.name).toBe(String(spec.port));
      expect(service?.healthcheck?.test.join(' '), spec.name).toContain(
        `http://127.0.0.1:${spec.port}/ready`,
      );
    }
  });

  it('publishes no port but the gateway and the storefront', () => {
    const published = Object.entries(compose.services).filter(([, service]) => service.ports?.length);
    expect(published.map(([name]) => name)).toEqual(['gateway', 'storefront']);
    // biome-ignore lint/suspicious/noTemplateCurlyInString: compose's own interpolation, not JavaScript's
    expect(compose.services.gateway?.ports).toEqual(['${GATEWAY_PORT:-4000}:4000']);
  });

  it('starts each service once what it needs is healthy (or done)', () => {
    for (const spec of SUBGRAPHS)
      expect(compose.services[spec.name]?.depends_on, spec.name).toEqual({
        databases: { condition: 'service_completed_successfully' },
        nats: { condition: 'service_healthy' },
      });
    for (const spec of SUBGRAPHS)
      expect(compose.services.gateway?.depends_on?.[spec.name]).toEqual({ condition: 'service_healthy' });
    expect(compose.services.databases?.depends_on).toEqual({ postgres: { condition: 'service_healthy' } });
    expect(compose.services.postgres?.depends_on).toEqual({
      secrets: { condition: 'service_completed_successfully' },
    });
    expect(compose.services.nats?.command).toContain('--jetstream');
    expect(compose.services.nats?.volumes).toContain('nats-data:/data');
  });

  it('gives each subgraph its own database and secret from files, and the gateway the URL and secret of each', () => {
    // The registry's too: its database, and the secret gateways sign usage reports with.
    expect(compose.services.secrets?.command?.slice(3)).toEqual([
      ...SUBGRAPHS.map((spec) => spec.name),
      'registry',
    ]);
    for (const spec of SUBGRAPHS) {
      const environment = compose.services[spec.name]?.environment ?? {};
      expect(environment.DATABASE_URL_FILE).toBe(`/run/shop-secrets/${spec.name}_database_url`);
      expect(environment.GATEWAY_SECRET_FILE).toBe(`/run/shop-secrets/${spec.name}_gateway_secret`);
      expect(environment.NATS_URL).toBe('nats://nats:4222');
      const gateway = compose.services.gateway?.environment ?? {};
      expect(gateway[subgraphUrlVariable(spec.name)]).toBe(`http://${spec.name}:${spec.port}/graphql`);
      expect(gateway[`${subgraphSecretVariable(spec.name)}_FILE`]).toBe(
        `/run/shop-secrets/${spec.name}_gateway_secret`,
      );
    }
    // No secret is written in the file itself.
    for (const [name, service] of Object.entries(compose.services))
      for (const [variable, value] of Object.entries(service.environment ?? {}))
        if (/(SECRET|PASSWORD|DATABASE_URL|KEYS)$/.test(variable))
          expect(`${name}.${variable}=${value}`).toMatch(/=(\$\{[A-Z_]+:-\})?$/);
  });

  it('takes a new subgraph from npm run new:subgraph, with its database, secret and gateway wiring', () => {
    const extended = parseYaml(
      addComposeService(composeText, { name: 'accounts', port: 4001 }, { name: 'wishlists', port: 4007 }),
    ) as typeof compose;
    const wishlists = extended.services.wishlists;
    expect(wishlists?.build?.args?.SERVICE_DIR).toBe('subgraphs/wishlists');
    expect(wishlists?.command).toEqual(['node', '--import', 'tsx', 'subgraphs/wishlists/src/main.ts']);
    expect(wishlists?.environment?.PORT).toBe('4007');
    expect(wishlists?.environment?.DATABASE_URL_FILE).toBe('/run/shop-secrets/wishlists_database_url');
    // accounts' signing keys stay with accounts.
    expect(Object.keys(wishlists?.environment ?? {}).filter((key) => key.startsWith('JWT_'))).toEqual([]);
    expect(extended.services.secrets?.command).toContain('wishlists');
    expect(extended.services.gateway?.environment?.SUBGRAPH_WISHLISTS_URL).toBe(
      'http://wishlists:4007/graphql',
    );
    expect(extended.services.gateway?.depends_on?.wishlists).toEqual({ condition: 'service_healthy' });
    // The rest is as it was, accounts included.
    expect(extended.services.accounts).toEqual(compose.services.accounts);
    expect(extended.services.products).toEqual(compose.services.products);
  });
});

describe('docker/entrypoint.sh', () => {
  const entrypoint = (env: Record<string, string>, command: string) =>
    spawnSync('sh', [join(ROOT, 'docker/entrypoint.sh'), 'sh', '-c', command], {
      encoding: 'utf8',
      env: { PATH: process.env.PATH, SERVICE_DIR: 'subgraphs/products', ...env },
    });

  it('reads a secret from the file its _FILE variable names, the trailing newline dropped', () => {
    const file = join(tempDir(), 'secret');
    writeFileSync(file, 'from-the-file\n');
    const result = entrypoint(
      { GATEWAY_SECRET_FILE: file },
      // biome-ignore lint/suspicious/noTemplateCurlyInString: the shell's own expansion
      'printf "%s|%s" "$GATEWAY_SECRET" "${GATEWAY_SECRET_FILE:-unset}"',
    );
    expect(result.stdout).toBe('from-the-file|unset');
  });

  it('keeps a variable set directly, and treats an empty one as unset', () => {
    const file = join(tempDir(), 'keys');
    writeFileSync(file, '[{"from":"file"}]');
    expect(
      entrypoint({ JWT_SIGNING_KEYS: 'direct', JWT_SIGNING_KEYS_FILE: file }, 'printf %s "$JWT_SIGNING_KEYS"')
        .stdout,
    ).toBe('direct');
    expect(
      entrypoint({ JWT_SIGNING_KEYS: '', JWT_SIGNING_KEYS_FILE: file }, 'printf %s "$JWT_SIGNING_KEYS"')
        .stdout,
    ).toBe('[{"from":"file"}]');
  });

  it('refuses to start when a secret file cannot be read, and says which', () => {
    const result = entrypoint({ DATABASE_URL_FILE: '/nonexistent/url' }, 'echo started');
    expect(result.status).toBe(1);
    expect(result.stdout).not.toContain('started');
    expect(result.stderr).toContain('DATABASE_URL_FILE: cannot read /nonexistent/url');
  });
});

describe('docker/make-secrets.mjs and docker/postgres/create-service-databases.sh', () => {
  const adminUrl = inject('databaseUrl');
  const prefix = `compose_${randomBytes(3).toString('hex')}_`;
  afterAll(() => dropDatabases(adminUrl, prefix));

  it('makes every secret once, keeps them on the next run, and refuses a bad service name', () => {
    const dir = tempDir();
    const first = spawnSync('node', [join(ROOT, 'docker/make-secrets.mjs'), dir, 'accounts', 'products'], {
      encoding: 'utf8',
    });
    expect(first.status, first.stderr).toBe(0);
    expect(readdirSync(dir).sort()).toEqual([
      'accounts_database_url',
      'accounts_db_password',
      'accounts_gateway_secret',
      'jwt_signing_keys',
      'postgres_password',
      'products_database_url',
      'products_db_password',
      'products_gateway_secret',
    ]);
    const password = readFileSync(join(dir, 'accounts_db_password'), 'utf8');
    expect(readFileSync(join(dir, 'accounts_database_url'), 'utf8')).toBe(
      `postgres://accounts:${password}@postgres:5432/accounts`,
    );
    const keys = JSON.parse(readFileSync(join(dir, 'jwt_signing_keys'), 'utf8')) as {
      privateKey: { crv: string };
    }[];
    expect(keys[0]?.privateKey.crv).toBe('P-256');
    const again = spawnSync('node', [join(ROOT, 'docker/make-secrets.mjs'), dir, 'accounts', 'products'], {
      encoding: 'utf8',
    });
    expect(again.stdout).toContain('every secret exists already');
    expect(readFileSync(join(dir, 'accounts_db_password'), 'utf8')).toBe(password);
    const bad = spawnSync('node', [join(ROOT, 'docker/make-secrets.mjs'), dir, 'Robert"; drop'], {
      encoding: 'utf8',
    });
    expect(bad.status).not.toBe(0);
  });

  it('gives each service a login role and a database closed to the others, again and again', async () => {
    const dir = tempDir();
    const [first, second] = [`${prefix}a`, `${prefix}b`];
    spawnSync('node', [join(ROOT, 'docker/make-secrets.mjs'), dir, first, second]);
    const url = new URL(adminUrl);
    // The script logs in as the superuser with the password in its file: the test server's.
    rmSync(join(dir, 'postgres_password'));
    writeFileSync(join(dir, 'postgres_password'), decodeURIComponent(url.password));
    const run = () =>
      spawnSync('sh', [join(ROOT, 'docker/postgres/create-service-databases.sh')], {
        encoding: 'utf8',
        env: {
          PATH: process.env.PATH,
          SECRETS_DIR: dir,
          PGHOST: url.hostname,
          PGPORT: url.port || '5432',
          PGUSER: decodeURIComponent(url.username),
        },
      });
    for (const result of [run(), run()]) {
      expect(result.status, result.stderr).toBe(0);
      expect(result.stdout).toContain(`database ${first} ready`);
    }
    const asService = (role: string, database: string) => {
      const service = new URL(adminUrl);
      service.username = role;
      service.password = readFileSync(join(dir, `${role}_db_password`), 'utf8');
      service.pathname = `/${database}`;
      return postgres(service.toString(), { max: 1, onnotice: () => {} });
    };
    const own = asService(first, first);
    const [row] = await own<{ user: string }[]>`select current_user as user`;
    expect(row?.user).toBe(first);
    await own.end();
    const intruder = asService(first, second);
    await expect(intruder`select 1`).rejects.toThrow(/permission denied/);
    await intruder.end();
  });
});
