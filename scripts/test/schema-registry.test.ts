import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ADMIN_TOKEN, startTestRegistry, type TestRegistry } from '../../registry/test/support';
import { ROOT, SUBGRAPHS } from '../lib/services';

let registry: TestRegistry;
let productsToken: string;
const scratch = mkdtempSync(join(tmpdir(), 'schema-registry-cli-'));
const productsSdl = readFileSync(join(ROOT, 'subgraphs/products/src/schema.graphql'), 'utf8');

/** `npm run schema -- …` as CI runs it: its own process, its exit code and output. */
function schema(args: string[], env: Record<string, string> = {}): Promise<{ code: number; output: string }> {
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      ['--import', 'tsx', 'scripts/schema.ts', ...args],
      { cwd: ROOT, env: { ...process.env, REGISTRY_URL: registry.url, ...env } },
      (error, stdout, stderr) =>
        resolve({
          code: error ? Number((error as { code?: number }).code ?? 1) : 0,
          output: `${stdout}${stderr}`,
        }),
    );
  });
}

function sdlFile(name: string, sdl: string): string {
  const path = join(scratch, name);
  writeFileSync(path, sdl);
  return path;
}

beforeAll(async () => {
  registry = await startTestRegistry('schema_cli');
  // main's subgraphs published, with products carrying a field no client uses.
  for (const spec of SUBGRAPHS) {
    const { token } = await registry.tokenFor(spec.name);
    if (spec.name === 'products') productsToken = token;
    const args = ['publish', '--subgraph', spec.name];
    if (spec.name === 'products')
      args.push(
        '--url',
        'http://127.0.0.1:4002/graphql',
        '--sdl',
        sdlFile(
          'with-unused.graphql',
          productsSdl.replace('  sku: String!\n', '  sku: String!\n  legacyNote: String\n'),
        ),
      );
    const published = await schema(args, { REGISTRY_TOKEN: token });
    expect(published.code, published.output).toBe(0);
  }
  const recorded = await schema(['usage', 'record', '--client-version', 'test'], {
    REGISTRY_TOKEN: ADMIN_TOKEN,
  });
  expect(recorded.code, recorded.output).toBe(0);
}, 180_000);
afterAll(() => registry.stop());

describe('npm run schema -- check against the registry', () => {
  it('fails on removing a field the storefront uses, naming the operation and the client', async () => {
    const removed = sdlFile(
      'no-description.graphql',
      productsSdl.replace(/ {2}"Long description[^\n]*\n {2}description: String!\n/, ''),
    );
    const check = await schema(['check', '--subgraph', 'products', '--sdl', removed], {
      REGISTRY_TOKEN: productsToken,
    });
    expect(check.code, check.output).toBe(1);
    expect(check.output).toMatch(
      /FAIL {2}breaking: Field 'description' was removed from object type 'Product' \(Product\.description\)/,
    );
    expect(check.output).toMatch(/operation ProductPage .* from .*storefront test/);
    expect(check.output).toMatch(/schema check FAILED/);
  });

  it('passes removing a field no client used, and says so', async () => {
    const check = await schema(['check', '--subgraph', 'products'], { REGISTRY_TOKEN: productsToken });
    expect(check.code, check.output).toBe(0);
    expect(check.output).toMatch(/breaking but unused: .*Product\.legacyNote.*no client used it/);
    expect(check.output).toMatch(/schema check passed/);
  });

  it('reports a dangerous change without failing, and gives JSON with --json', async () => {
    const added = sdlFile(
      'new-enum-value.graphql',
      productsSdl.replace(/enum ProductOrder \{/, 'enum ProductOrder {\n  RANDOM'),
    );
    const check = await schema(['check', '--subgraph', 'products', '--sdl', added, '--json'], {
      REGISTRY_TOKEN: productsToken,
    });
    expect(check.code, check.output).toBe(0);
    const result = JSON.parse(check.output);
    expect(result.changes).toContainEqual(
      expect.objectContaining({ verdict: 'dangerous', type: 'ENUM_VALUE_ADDED' }),
    );
  });

  it('fails a change that does not compose, with the composition messages', async () => {
    const broken = sdlFile(
      'broken.graphql',
      productsSdl.replace('@key(fields: "sku")', '@key(fields: "barcode")'),
    );
    const check = await schema(['check', '--subgraph', 'products', '--sdl', broken], {
      REGISTRY_TOKEN: productsToken,
    });
    expect(check.code, check.output).toBe(1);
    expect(check.output).toMatch(/FAIL {2}composition/);
    expect(check.output).toMatch(/barcode/);
  });

  it('fails loudly when the registry cannot be reached, never a silent pass', async () => {
    const check = await schema(['check'], {
      REGISTRY_URL: 'http://127.0.0.1:9',
      REGISTRY_TOKEN: productsToken,
    });
    expect(check.code).toBe(1);
    expect(check.output).toMatch(/cannot reach the registry at http:\/\/127\.0\.0\.1:9/);
  });

  it('lists the history and fetches the live supergraph', async () => {
    const history = await schema(['history', '--limit', '3']);
    expect(history.code, history.output).toBe(0);
    expect(history.output).toMatch(/#6 .* payments by payments deploy/);
    const fetched = await schema(['fetch']);
    expect(fetched.output).toContain('join__Graph');
  });
});
