import { execFileSync } from 'node:child_process';
import { cpSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { clientArtifactFiles, generateClientArtifacts, readOperationFiles } from '../lib/client-documents';
import { API_SCHEMA_FILE, composedSchemaFiles } from '../lib/schema-artifacts';
import type { ServiceSpec } from '../lib/services';
import { composeSupergraph, readSubgraphSources } from '../lib/supergraph';

export const FIXTURES = fileURLToPath(new URL('./fixtures/schema-check', import.meta.url));

/** A checkout-shaped tree of its own: subgraphs/, schema/, and a base API schema next to it. */
export interface FixtureTree {
  root: string;
  subgraphs: ServiceSpec[];
  /** The API schema of the base tree, before the case's changes: what `--base <file>` gets. */
  baseFile: string;
}

const made: string[] = [];

/** Removes every tree this process made (afterAll). */
export function removeFixtureTrees(): void {
  for (const dir of made.splice(0)) rmSync(dir, { recursive: true, force: true });
}

export function subgraphsOf(root: string): ServiceSpec[] {
  return readdirSync(join(root, 'subgraphs'))
    .sort()
    .map((name, index) => ({ name, port: 4100 + index, dir: `subgraphs/${name}` }));
}

/**
 * What `npm run schema:compose` and `npm run codegen` write, written into the tree, as a
 * developer who ran them would have. Leaves the client files alone when the operations do not
 * generate (schema:check reports those).
 */
export async function regenerate(root: string): Promise<void> {
  const sources = readSubgraphSources(
    (spec) => `http://127.0.0.1:${spec.port}/graphql`,
    subgraphsOf(root),
    root,
  );
  const composition = composeSupergraph(sources);
  if (!composition.ok) throw new Error(`fixture does not compose: ${composition.errors.join('; ')}`);
  const files = composedSchemaFiles(sources, composition);
  try {
    const client = await generateClientArtifacts(composition.apiSdl, readOperationFiles(root));
    for (const [file, content] of clientArtifactFiles(client)) files.set(file, content);
  } catch {
    // the operations do not validate against this schema
  }
  for (const [file, content] of files) {
    mkdirSync(dirname(join(root, file)), { recursive: true });
    writeFileSync(join(root, file), content);
  }
}

/**
 * The base fixture, generated, then the case's files laid over it (`case` is a folder under
 * fixtures/schema-check); regenerated afterwards unless the case is about stale files.
 */
export async function fixtureTree(
  overlay: string | null,
  options: { regenerate?: boolean } = {},
): Promise<FixtureTree> {
  const dir = mkdtempSync(join(tmpdir(), 'schema-check-'));
  made.push(dir);
  const root = join(dir, 'tree');
  cpSync(join(FIXTURES, 'base'), root, { recursive: true });
  await regenerate(root);
  const baseFile = join(dir, 'base-api.graphql');
  writeFileSync(baseFile, readFileSync(join(root, API_SCHEMA_FILE), 'utf8'));
  if (overlay) await applyOverlay(root, overlay, options);
  return { root, subgraphs: subgraphsOf(root), baseFile };
}

export async function applyOverlay(
  root: string,
  overlay: string,
  options: { regenerate?: boolean } = {},
): Promise<void> {
  cpSync(join(FIXTURES, overlay), root, { recursive: true });
  if (options.regenerate ?? true) await regenerate(root);
}

/** Runs git in the tree, as a user with no global configuration. */
export function git(root: string, ...args: string[]): string {
  return execFileSync('git', ['-c', 'user.name=Fixture', '-c', 'user.email=fixture@shop.test', ...args], {
    cwd: root,
    encoding: 'utf8',
    env: { ...process.env, GIT_CONFIG_GLOBAL: '/dev/null', GIT_CONFIG_NOSYSTEM: '1' },
  }).trim();
}
