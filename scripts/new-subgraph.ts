import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { parse } from 'graphql';
import { addComposeService } from './lib/compose-file';
import { addDeployService } from './lib/deploy-manifests';
import { GATEWAY, ROOT, SUBGRAPHS } from './lib/services';

/**
 * `npm run new:subgraph <name> [--entity <TypeName>]`: a new domain service in the shape of the
 * others (package, SDL, thin resolvers, domain functions, Drizzle table and its first
 * migration, DataLoaders, seed, tests), on the next free port, wired into the launcher and
 * composition (`scripts/lib/services.ts`), codegen and `compose.yaml` when there is one. It
 * composes the supergraph at the end; when anything fails, everything it wrote is undone.
 */
const TEMPLATES = join(ROOT, 'scripts/templates/subgraph');
const SERVICES_FILE = join(ROOT, 'scripts/lib/services.ts');
const COMPOSE_FILE = join(ROOT, 'compose.yaml');
const DEPLOY_BASE = join(ROOT, 'deploy/base');
interface Names {
  name: string;
  Entity: string;
  entity: string;
  Entities: string;
  entities: string;
  table: string;
  database: string;
  port: number;
}

function main(argv: readonly string[]): void {
  const { name, entity } = readArguments(argv);
  const names = namesFor(name, entity);
  refuseCollisions(names);
  const dir = join(ROOT, 'subgraphs', name);
  const restore = [
    SERVICES_FILE,
    COMPOSE_FILE,
    join(ROOT, 'package-lock.json'),
    join(DEPLOY_BASE, 'kustomization.yaml'),
    join(DEPLOY_BASE, 'gateway.yaml'),
  ]
    .filter((file) => existsSync(file))
    .map((file) => ({ file, text: readFileSync(file, 'utf8') }));
  try {
    writeTemplates(TEMPLATES, dir, names);
    mkdirSync(join(dir, 'src/__generated__'));
    registerService(names);
    if (existsSync(COMPOSE_FILE)) addToComposeFile(names);
    if (existsSync(DEPLOY_BASE)) addToDeployBase(names);
    run('drizzle-kit', ['generate', '--name', `create_${names.table}`], dir);
    run('biome', ['check', '--write', relative(ROOT, dir), relative(ROOT, SERVICES_FILE)], ROOT);
    run('node', ['--import', 'tsx', 'codegen.ts'], ROOT);
    run('node', ['--import', 'tsx', 'scripts/compose-schema.ts'], ROOT);
    // The lock file learns the new workspace; node_modules is left as it is (npm ci links it).
    run('npm', ['install', '--package-lock-only', '--no-audit', '--no-fund', '--ignore-scripts'], ROOT);
  } catch (error) {
    rmSync(dir, { recursive: true, force: true });
    rmSync(join(DEPLOY_BASE, `${name}.yaml`), { force: true });
    for (const { file, text } of restore) writeFileSync(file, text);
    run('node', ['--import', 'tsx', 'scripts/compose-schema.ts'], ROOT, { quiet: true });
    console.error(`new:subgraph: ${(error as Error).message}`);
    console.error('Nothing was added.');
    process.exit(1);
  }
  console.info(`
  Subgraph "${name}" created in subgraphs/${name} (port ${names.port}), type ${names.Entity}.

    npm start                                  runs it with the others, seeded
    npm test -w subgraphs/${name}              its tests
    npm run db:generate -w subgraphs/${name} -- <change>   after editing src/db/schema.ts

  Edit src/schema.graphql, then npm run codegen && npm run schema:compose, and commit.
`);
}

function readArguments(argv: readonly string[]): { name: string; entity?: string } {
  const positional: string[] = [];
  let entity: string | undefined;
  for (let index = 0; index < argv.length; index += 1) {
    const arg = argv[index] ?? '';
    if (arg === '--entity') {
      entity = argv[index + 1];
      index += 1;
    } else if (arg.startsWith('--')) fail(`unknown option ${arg}`);
    else positional.push(arg);
  }
  const [name] = positional;
  if (!name || positional.length > 1) fail('usage: npm run new:subgraph <name> [--entity <TypeName>]');
  // It names the database and its role too: one plain word, like the others.
  if (!/^[a-z][a-z0-9]{1,30}$/.test(name))
    fail(`"${name}" is not a subgraph name: one word of lower-case letters and digits (giftcards)`);
  if (entity !== undefined && !/^[A-Z][A-Za-z0-9]*$/.test(entity))
    fail(`--entity must be a GraphQL type name in PascalCase (GiftCard), not "${entity}"`);
  return entity === undefined ? { name } : { name, entity };
}

function namesFor(name: string, entity: string | undefined): Names {
  const Entity = entity ?? singular(name.charAt(0).toUpperCase() + name.slice(1));
  const Entities = plural(Entity);
  const camel = (text: string) => text.charAt(0).toLowerCase() + text.slice(1);
  return {
    name,
    Entity,
    entity: camel(Entity),
    Entities,
    entities: camel(Entities),
    table: Entities.replace(/(?<!^)([A-Z])/g, '_$1').toLowerCase(),
    database: name,
    port: nextFreePort(),
  };
}

function singular(word: string): string {
  if (/ies$/.test(word)) return word.replace(/ies$/, 'y');
  if (/(s|x|z|ch|sh)es$/.test(word)) return word.replace(/es$/, '');
  if (/[^s]s$/.test(word)) return word.slice(0, -1);
  return word;
}

function plural(word: string): string {
  if (/[^aeiou]y$/.test(word)) return word.replace(/y$/, 'ies');
  if (/(s|x|z|ch|sh)$/.test(word)) return `${word}es`;
  return `${word}s`;
}

function nextFreePort(): number {
  const used = new Set([GATEWAY.port, ...SUBGRAPHS.map((spec) => spec.port)]);
  let port = Math.max(...used) + 1;
  while (used.has(port)) port += 1;
  return port;
}

/** The new names must not clash with a service, a folder, or a type or root field clients already see. */
function refuseCollisions(names: Names): void {
  if (SUBGRAPHS.some((spec) => spec.name === names.name) || names.name === GATEWAY.name)
    fail(`there is already a service named ${names.name}`);
  if (existsSync(join(DEPLOY_BASE, `${names.name}.yaml`)))
    fail(`deploy/base already has a manifest named ${names.name}.yaml`);
  if (existsSync(join(ROOT, 'subgraphs', names.name))) fail(`subgraphs/${names.name} already exists`);
  const apiFile = join(ROOT, 'schema/api.graphql');
  if (!existsSync(apiFile)) return;
  const taken = new Set<string>();
  for (const definition of parse(readFileSync(apiFile, 'utf8')).definitions) {
    if (!('name' in definition) || !definition.name) continue;
    taken.add(definition.name.value);
    if (definition.kind === 'ObjectTypeDefinition' && definition.name.value === 'Query')
      for (const field of definition.fields ?? []) taken.add(`Query.${field.name.value}`);
  }
  for (const wanted of [
    names.Entity,
    `${names.Entity}Connection`,
    `${names.Entity}Edge`,
    `Query.${names.entity}`,
    `Query.${names.entities}`,
  ])
    if (taken.has(wanted))
      fail(`the supergraph already has ${wanted}: choose another type name with --entity <TypeName>`);
}

function fill(text: string, names: Names): string {
  return text
    .replaceAll('__Entities__', names.Entities)
    .replaceAll('__entities__', names.entities)
    .replaceAll('__Entity__', names.Entity)
    .replaceAll('__entity__', names.entity)
    .replaceAll('__table__', names.table)
    .replaceAll('__database__', names.database)
    .replaceAll('__name__', names.name)
    .replaceAll('__port__', String(names.port));
}

function writeTemplates(from: string, to: string, names: Names): void {
  for (const entry of readdirSync(from)) {
    const source = join(from, entry);
    if (statSync(source).isDirectory()) {
      writeTemplates(source, join(to, entry), names);
      continue;
    }
    const target = join(to, fill(entry.replace(/\.tmpl$/, ''), names));
    mkdirSync(dirname(target), { recursive: true });
    writeFileSync(target, fill(readFileSync(source, 'utf8'), names));
  }
}

/** Adds the service to SUBGRAPHS, the list the launcher and composition read. */
function registerService(names: Names): void {
  const text = readFileSync(SERVICES_FILE, 'utf8');
  const list = /(export const SUBGRAPHS: readonly ServiceSpec\[\] = \[\n(?:.*\n)*?)(\];)/.exec(text);
  if (!list) throw new Error('cannot find the SUBGRAPHS list in scripts/lib/services.ts');
  const entry = `  { name: '${names.name}', port: ${names.port}, dir: 'subgraphs/${names.name}' },\n`;
  writeFileSync(SERVICES_FILE, text.replace(list[0], `${list[1]}${entry}${list[2]}`));
}

function addToComposeFile(names: Names): void {
  const text = readFileSync(COMPOSE_FILE, 'utf8');
  // Copy the first subgraph the file has a service for.
  const template = SUBGRAPHS.find((spec) => new RegExp(`^  ${spec.name}:`, 'm').test(text));
  if (!template) throw new Error('compose.yaml has no subgraph service to copy');
  writeFileSync(COMPOSE_FILE, addComposeService(text, template, { name: names.name, port: names.port }));
}

function addToDeployBase(names: Names): void {
  // Copy a subgraph that holds nothing of its own (accounts carries the token signing keys).
  const template = SUBGRAPHS.find(
    (spec) => spec.name !== 'accounts' && existsSync(join(DEPLOY_BASE, `${spec.name}.yaml`)),
  );
  if (!template) throw new Error('deploy/base has no subgraph manifest to copy');
  addDeployService(DEPLOY_BASE, template, { name: names.name, port: names.port });
}

function run(command: string, args: string[], cwd: string, options: { quiet?: boolean } = {}): void {
  const local = join(ROOT, 'node_modules/.bin', command);
  const result = spawnSync(existsSync(local) ? local : command, args, {
    cwd,
    stdio: options.quiet ? 'ignore' : ['ignore', 'inherit', 'inherit'],
  });
  if (result.status !== 0 && !options.quiet)
    throw new Error(`${command} ${args.join(' ')} failed (${result.status ?? result.signal})`);
}

function fail(message: string): never {
  console.error(`new:subgraph: ${message}`);
  process.exit(1);
}

main(process.argv.slice(2));
