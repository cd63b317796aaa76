import { type SpawnSyncReturns, spawnSync } from 'node:child_process';
import {
  copyFileSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  readlinkSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, relative } from 'node:path';
import { DEMO_SEED_PLAN } from '@shop/devkit/seed';
import { ROOT, SUBGRAPHS } from '@shop/scripts/lib/services';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { parseAllDocuments, parse as parseYaml } from 'yaml';
import { startTestStack, type TestStack } from '../src/test-stack';

// The scaffold runs in a copy of this checkout (sharing its node_modules), never in the checkout
// itself: whatever happens here, the repository gets no new subgraph.
let copy: string;
let scaffold: SpawnSyncReturns<string>;
let stack: TestStack | undefined;
const servicesBefore = readFileSync(join(ROOT, 'scripts/lib/services.ts'), 'utf8');

// A compose file of the shape a deployment would have, for the scaffold to extend.
const COMPOSE = `services:
  postgres:
    image: postgres:17
  products:
    build: .
    command: ["node", "--import", "tsx", "subgraphs/products/src/main.ts"]
    environment:
      PORT: "4002"
      DATABASE_URL: postgres://products:\${PRODUCTS_DB_PASSWORD}@postgres:5432/products
    depends_on: [postgres]
  gateway:
    build: .
    ports: ["4000:4000"]
    environment:
      SUBGRAPH_PRODUCTS_URL: http://products:4002/graphql
    depends_on:
      products:
        condition: service_healthy
`;

function inCopy(command: string, args: string[], env: NodeJS.ProcessEnv = {}): SpawnSyncReturns<string> {
  return spawnSync(command, args, {
    cwd: copy,
    encoding: 'utf8',
    env: { ...process.env, ...env },
    timeout: 240_000,
  });
}
const explain = (result: SpawnSyncReturns<string>) => `${result.stdout}\n${result.stderr}`;

beforeAll(() => {
  copy = mkdtempSync(join(tmpdir(), 'new-subgraph-'));
  const files = spawnSync('git', ['ls-files', '-z', '--cached', '--others', '--exclude-standard'], {
    cwd: ROOT,
    encoding: 'utf8',
  }).stdout.split('\0');
  for (const file of files.filter((path) => path && existsSync(join(ROOT, path)))) {
    mkdirSync(dirname(join(copy, file)), { recursive: true });
    copyFileSync(join(ROOT, file), join(copy, file));
  }
  // The dependencies, as installed: the root's, whose workspace links (@shop/*) point into the
  // copy so a workspace never reaches this checkout's files, and each workspace's own (versions
  // that differ from the root's).
  const rootModules = join(ROOT, 'node_modules');
  mkdirSync(join(copy, 'node_modules/@shop'), { recursive: true });
  for (const entry of readdirSync(rootModules))
    if (entry !== '@shop') symlinkSync(join(rootModules, entry), join(copy, 'node_modules', entry));
  for (const link of readdirSync(join(rootModules, '@shop')))
    symlinkSync(readlinkSync(join(rootModules, '@shop', link)), join(copy, 'node_modules/@shop', link));
  const workspaces = [
    'platform',
    'devkit',
    'gateway',
    'registry',
    'scripts',
    'e2e',
    ...readdirSync(join(ROOT, 'subgraphs')).map((name) => `subgraphs/${name}`),
  ];
  for (const workspace of workspaces)
    if (existsSync(join(ROOT, workspace, 'node_modules')) && existsSync(join(copy, workspace)))
      symlinkSync(join(ROOT, workspace, 'node_modules'), join(copy, workspace, 'node_modules'));
  writeFileSync(join(copy, 'compose.yaml'), COMPOSE);
  inCopy('git', ['init', '-q']);
  scaffold = inCopy('npm', ['run', 'new:subgraph', '--', 'wishlists']);
}, 300_000);

afterAll(async () => {
  await stack?.stop();
  if (copy) rmSync(copy, { recursive: true, force: true });
});

describe('npm run new:subgraph wishlists', () => {
  it('creates the subgraph in the shape of the others, with its first migration', () => {
    expect(scaffold.status, explain(scaffold)).toBe(0);
    const dir = join(copy, 'subgraphs/wishlists');
    for (const file of [
      'package.json',
      'drizzle.config.ts',
      'src/schema.graphql',
      'src/config.ts',
      'src/loaders.ts',
      'src/mappers.ts',
      'src/subgraph.ts',
      'src/main.ts',
      'src/db/database.ts',
      'src/db/schema.ts',
      'src/db/seed.ts',
      'src/domain/wishlists.ts',
      'src/resolvers/index.ts',
      'src/resolvers/Wishlist.ts',
      'src/resolvers/Query/wishlist.ts',
      'src/resolvers/Query/wishlists.ts',
      'src/__generated__/resolvers-types.ts',
      'test/wishlists.test.ts',
      'drizzle/0000_create_wishlists.sql',
      'drizzle/meta/_journal.json',
    ])
      expect(existsSync(join(dir, file)), file).toBe(true);
    expect(readFileSync(join(dir, 'drizzle/0000_create_wishlists.sql'), 'utf8')).toContain(
      'CREATE TABLE "wishlists"',
    );
  });

  it('takes the next free port and registers it for the launcher, composition and the lock file', () => {
    const services = readFileSync(join(copy, 'scripts/lib/services.ts'), 'utf8');
    // 4003, 4005 and 4006 are promised to inventory, orders and payments.
    expect(services).toContain("{ name: 'wishlists', port: 4007, dir: 'subgraphs/wishlists' }");
    expect(readFileSync(join(copy, 'schema/supergraph.graphql'), 'utf8')).toMatch(
      /WISHLISTS @join__graph\(name: "wishlists"/,
    );
    expect(readFileSync(join(copy, 'schema/api.graphql'), 'utf8')).toContain('wishlists(');
    expect(JSON.parse(readFileSync(join(copy, 'package-lock.json'), 'utf8')).packages).toHaveProperty(
      'subgraphs/wishlists',
    );
  });

  it('adds the service to compose.yaml next to the one it copied', () => {
    const compose = parseYaml(readFileSync(join(copy, 'compose.yaml'), 'utf8')) as {
      services: Record<
        string,
        { command?: string[]; environment?: Record<string, string>; depends_on?: unknown }
      >;
    };
    expect(compose.services.wishlists?.command).toEqual([
      'node',
      '--import',
      'tsx',
      'subgraphs/wishlists/src/main.ts',
    ]);
    expect(compose.services.wishlists?.environment).toEqual({
      PORT: '4007',
      DATABASE_URL: `postgres://wishlists:\${WISHLISTS_DB_PASSWORD}@postgres:5432/wishlists`,
    });
    expect(compose.services.gateway?.environment).toMatchObject({
      SUBGRAPH_PRODUCTS_URL: 'http://products:4002/graphql',
      SUBGRAPH_WISHLISTS_URL: 'http://wishlists:4007/graphql',
    });
    expect(compose.services.gateway?.depends_on).toHaveProperty('wishlists');
    expect(compose.services.products?.environment?.PORT).toBe('4002');
  });

  it('adds its Deployment and Service to the Kubernetes base, and tells the gateway where it is', () => {
    const manifests = parseAllDocuments(readFileSync(join(copy, 'deploy/base/wishlists.yaml'), 'utf8')).map(
      (document) =>
        document.toJS() as { kind: string; metadata: { name: string }; spec: Record<string, unknown> },
    );
    expect(manifests.map(({ kind, metadata }) => `${kind}/${metadata.name}`)).toEqual([
      'Deployment/wishlists',
      'Service/wishlists',
    ]);
    expect(JSON.stringify(manifests)).not.toMatch(/reviews|4004/);
    expect(JSON.stringify(manifests[1]?.spec)).toContain('4007');
    const kustomization = parseYaml(readFileSync(join(copy, 'deploy/base/kustomization.yaml'), 'utf8')) as {
      resources: string[];
    };
    expect(kustomization.resources).toContain('wishlists.yaml');
    expect(readFileSync(join(copy, 'deploy/base/gateway.yaml'), 'utf8')).toContain(
      'value: http://wishlists:4007/graphql',
    );
  });

  it('passes typecheck, lint and the codegen check, and its own tests', () => {
    // The project's own typecheck (`tsc -p .`), now including the new subgraph.
    const typecheck = inCopy('node_modules/.bin/tsc', ['-p', '.']);
    expect(typecheck.status, explain(typecheck)).toBe(0);
    const lint = inCopy('node_modules/.bin/biome', [
      'check',
      'subgraphs/wishlists',
      'scripts/lib/services.ts',
    ]);
    expect(lint.status, explain(lint)).toBe(0);
    const codegen = inCopy('node', ['--import', 'tsx', 'codegen.ts', '--check']);
    expect(codegen.status, explain(codegen)).toBe(0);
    const tests = inCopy('node_modules/.bin/vitest', ['run', 'subgraphs/wishlists'], {
      TEST_DATABASE_URL: inject('databaseUrl'),
    });
    expect(tests.status, explain(tests)).toBe(0);
    expect(tests.stdout).toMatch(/4 passed/);
  }, 300_000);

  it('starts with the others and answers through the gateway', async () => {
    stack = await startTestStack({
      seed: { ...DEMO_SEED_PLAN, products: 5, users: 2, reviews: 5 },
      subgraphs: [
        ...SUBGRAPHS,
        { name: 'wishlists', port: 4007, dir: relative(ROOT, join(copy, 'subgraphs/wishlists')) },
      ],
      supergraphPath: join(copy, 'schema/supergraph.graphql'),
    });
    const { body } = await stack.graphql<{
      wishlists: { totalCount: number; edges: { node: { id: string; name: string } }[] };
      products: { totalCount: number };
    }>('{ wishlists(first: 3) { totalCount edges { node { id name } } } products(first: 1) { totalCount } }');
    expect(body.errors).toBeUndefined();
    expect(body.data?.wishlists.totalCount).toBe(5);
    expect(body.data?.wishlists.edges).toHaveLength(3);
    expect(body.data?.products.totalCount).toBe(5);
  }, 180_000);

  it('left this checkout as it was', () => {
    expect(existsSync(join(ROOT, 'subgraphs/wishlists'))).toBe(false);
    expect(readFileSync(join(ROOT, 'scripts/lib/services.ts'), 'utf8')).toBe(servicesBefore);
  });
});
