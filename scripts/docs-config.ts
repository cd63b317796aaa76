import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import ts from 'typescript';
import { ROOT } from './lib/services';

/**
 * `npm run docs:config [-- --check]`: writes docs/configuration.md from the zod schemas every
 * service reads its environment with: each UPPER_CASE key of a schema, the comment above it (or
 * its `.describe()`) as its meaning, its `.default()` as written. `--check` fails when the file
 * is stale, as CI runs it.
 */
const OUTPUT = 'docs/configuration.md';

/** Where settings are declared, and who reads them. */
const SOURCES: { file: string; usedBy: string }[] = [
  { file: 'platform/src/config.ts', usedBy: 'every service' },
  { file: 'platform/src/telemetry/config.ts', usedBy: 'every service' },
  { file: 'platform/src/service/run-subgraph.ts', usedBy: 'every subgraph' },
  { file: 'platform/src/events/config.ts', usedBy: 'every subgraph' },
  { file: 'gateway/src/config.ts', usedBy: 'gateway' },
  { file: 'gateway/src/security-config.ts', usedBy: 'gateway' },
  { file: 'gateway/src/performance-config.ts', usedBy: 'gateway' },
  { file: 'gateway/src/usage/usage-config.ts', usedBy: 'gateway' },
  { file: 'registry/src/config.ts', usedBy: 'registry' },
  ...readdirSync(join(ROOT, 'subgraphs'))
    .sort()
    .map((name) => ({ file: `subgraphs/${name}/src/config.ts`, usedBy: name })),
  { file: 'scripts/config.ts', usedBy: '`npm start` and the scripts' },
  { file: 'devkit/src/testing/env.ts', usedBy: '`npm test`' },
];

interface Setting {
  name: string;
  usedBy: string[];
  defaultValue: string;
  meaning: string;
  file: string;
}

const VARIABLE = /^[A-Z][A-Z0-9_]+$/;

function settingsOf(file: string, usedBy: string): Setting[] {
  const text = readFileSync(join(ROOT, file), 'utf8');
  const source = ts.createSourceFile(file, text, ts.ScriptTarget.Latest, true);
  const found: Setting[] = [];
  const visit = (node: ts.Node) => {
    if (ts.isPropertyAssignment(node) && VARIABLE.test(node.name.getText(source))) {
      // A setting that only re-uses another's schema (`NODE_ENV: serviceEnv.NODE_ENV`) is documented there.
      if (!ts.isPropertyAccessExpression(node.initializer))
        found.push({
          name: node.name.getText(source),
          usedBy: [usedBy],
          defaultValue: defaultOf(node.initializer, source),
          meaning: describeOf(node.initializer, source) ?? commentOf(node, text),
          file,
        });
    }
    ts.forEachChild(node, visit);
  };
  visit(source);
  return found;
}

/**
 * The argument of the first `.default(…)` in the schema's chain, as written, or the first
 * argument of a helper that takes the default first (`portEnv(4000)`, `count(5, 1000)`);
 * `unset` without either.
 */
function defaultOf(schema: ts.Expression, source: ts.SourceFile): string {
  const argument =
    callArgument(schema, 'default', source) ??
    (ts.isCallExpression(schema) && ts.isIdentifier(schema.expression) ? schema.arguments[0] : undefined);
  return argument ? `\`${argument.getText(source).replace(/\s+/g, ' ')}\`` : 'unset';
}

function describeOf(schema: ts.Expression, source: ts.SourceFile): string | undefined {
  const argument = callArgument(schema, 'describe', source);
  return argument && ts.isStringLiteralLike(argument) ? argument.text : undefined;
}

function callArgument(node: ts.Node, method: string, source: ts.SourceFile): ts.Expression | undefined {
  let found: ts.Expression | undefined;
  const visit = (child: ts.Node) => {
    if (found) return;
    if (ts.isCallExpression(child)) {
      const callee = child.expression;
      const name = ts.isPropertyAccessExpression(callee) ? callee.name.text : callee.getText(source);
      if (name === method && child.arguments[0]) {
        found = child.arguments[0];
        return;
      }
    }
    ts.forEachChild(child, visit);
  };
  visit(node);
  return found;
}

/** The comment just above the key (`/** … *\/` or `// …`), on one line. */
function commentOf(node: ts.Node, text: string): string {
  const ranges = ts.getLeadingCommentRanges(text, node.getFullStart()) ?? [];
  return ranges
    .map((range) =>
      text
        .slice(range.pos, range.end)
        .replace(/^\/\*\*?|\*\/$/g, '')
        .split('\n')
        .map((line) => line.replace(/^\s*(\*|\/\/)\s?/, '').trim())
        .join(' ')
        .trim(),
    )
    .join(' ')
    .replace(/\|/g, '\\|')
    .trim();
}

function render(settings: Setting[]): string {
  const byName = new Map<string, Setting>();
  for (const setting of settings) {
    const known = byName.get(setting.name);
    if (!known) byName.set(setting.name, { ...setting });
    else {
      known.usedBy.push(...setting.usedBy.filter((who) => !known.usedBy.includes(who)));
      if (!known.meaning) known.meaning = setting.meaning;
    }
  }
  const rows = [...byName.values()].map(
    (s) =>
      `| \`${s.name}\` | ${s.usedBy.join(', ')} | ${s.defaultValue} | ${s.meaning || '(no comment in the schema yet)'} | [${s.file}](../${s.file}) |`,
  );
  return [
    '# Configuration',
    '',
    '<!-- Generated by `npm run docs:config` from the zod schemas; edit the comments there, not this file. -->',
    '',
    'Every environment variable a service, the launcher or the tests read, from the zod schema that',
    "reads it: its meaning is the comment above its key, its default the schema's `.default()` as",
    'written. Every setting has a default that works for the embedded mode; a wrong value stops the',
    'service with one line naming the variable.',
    '',
    'Not listed, as no schema names them one by one: `SUBGRAPH_<NAME>_URL`, `SUBGRAPH_<NAME>_SECRET`',
    'and `SUBGRAPH_<NAME>_TIMEOUT_MS` (the gateway, per subgraph; see `gateway/src/config.ts`).',
    '',
    '| variable | used by | default | meaning | declared in |',
    '| --- | --- | --- | --- | --- |',
    ...rows,
    '',
  ].join('\n');
}

const markdown = render(SOURCES.flatMap(({ file, usedBy }) => settingsOf(file, usedBy)));
if (process.argv.includes('--check')) {
  if (readFileSync(join(ROOT, OUTPUT), 'utf8') !== markdown) {
    console.error(`${OUTPUT} is stale: run npm run docs:config and commit it`);
    process.exit(1);
  }
  console.log(`${OUTPUT} is up to date`);
} else {
  writeFileSync(join(ROOT, OUTPUT), markdown);
  console.log(`wrote ${OUTPUT}`);
}
