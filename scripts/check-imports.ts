import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ROOT } from './lib/services';

/**
 * `npm run check:imports`: fails on any import cycle in any workspace (madge over the
 * TypeScript sources, type-only imports included: a cycle of types is still a knot to read),
 * and on runtime code that imports the dev kit (`@shop/devkit`: test helpers, demo seed data,
 * the embedded Postgres launcher), which production images leave out.
 */
const workspaces = (JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { workspaces: string[] })
  .workspaces;
// `subgraphs/*` names the folder that holds them; madge walks it whole.
const folders = workspaces
  .map((pattern) => pattern.replace(/\/\*$/, ''))
  .filter((folder) => existsSync(join(ROOT, folder)));

const rootFiles = readdirSync(ROOT).filter((name) => name.endsWith('.ts'));

const madge = spawnSync(
  join(ROOT, 'node_modules/.bin/madge'),
  [
    '--circular',
    '--json',
    '--no-spinner',
    '--extensions',
    'ts,tsx',
    '--ts-config',
    'tsconfig.json',
    '--exclude',
    '(node_modules|__generated__|/dist/)',
    ...rootFiles,
    ...folders,
  ],
  { cwd: ROOT, encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'] },
);
// madge exits 1 when it finds cycles; its JSON says which, and anything else is a failure to run.
if (madge.error || !madge.stdout.trim().startsWith('[')) {
  console.error(madge.error?.message ?? madge.stdout);
  process.exit(2);
}
const cycles = JSON.parse(madge.stdout) as string[][];
for (const cycle of cycles) console.error(`import cycle: ${[...cycle, cycle[0]].join(' -> ')}`);
if (cycles.length > 0)
  console.error(
    `${cycles.length} import cycle(s): move the shared types or values to a module both sides import`,
  );

const devkitImports = runtimeFiles().filter((file) =>
  /(from\s+|import\s*\(\s*)['"]@shop\/devkit/.test(readFileSync(join(ROOT, file), 'utf8')),
);
for (const file of devkitImports) console.error(`runtime code imports @shop/devkit: ${file}`);
if (devkitImports.length > 0)
  console.error(
    'the dev kit is for tests, seeding and the local launcher: runtime code stands on platform/ only',
  );

if (cycles.length > 0 || devkitImports.length > 0) process.exit(1);
console.log(`no import cycles in ${folders.join(', ')}; no runtime code imports the dev kit`);

/**
 * What a service runs in production: every `src/` of platform, gateway, registry and the
 * subgraphs, less a subgraph's seeder (`src/db/seed.ts`), which only demo data runs.
 */
function runtimeFiles(): string[] {
  const subgraphs = readdirSync(join(ROOT, 'subgraphs')).map((name) => `subgraphs/${name}/src`);
  const roots = ['platform/src', 'gateway/src', 'registry/src', ...subgraphs];
  const seeders = /^subgraphs\/[^/]+\/src\/db\/seed\.ts$/;
  return roots
    .filter((root) => existsSync(join(ROOT, root)))
    .flatMap((root) =>
      readdirSync(join(ROOT, root), { recursive: true, encoding: 'utf8' }).map((f) => `${root}/${f}`),
    )
    .filter((file) => /\.tsx?$/.test(file) && !file.includes('__generated__') && !seeders.test(file));
}
