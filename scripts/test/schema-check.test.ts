import { execFile } from 'node:child_process';
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';
import { OPERATION_FOLDERS } from '../lib/client-documents';
import { runSchemaCheck } from '../lib/schema-check/check';
import { formatReport, type StepResult } from '../lib/schema-check/report';
import { ROOT } from '../lib/services';
import {
  applyOverlay,
  type FixtureTree,
  fixtureTree,
  git,
  regenerate,
  removeFixtureTrees,
} from './fixture-tree';

afterAll(removeFixtureTrees);

/** Runs the check on a tree; `--base` is the base fixture's API schema unless given (null: no `--base`). */
async function check(tree: FixtureTree, baseOption: string | null = tree.baseFile) {
  const base = baseOption ?? undefined;
  const report = await runSchemaCheck({ root: tree.root, subgraphs: tree.subgraphs, base });
  const step = (name: string): StepResult => {
    const found = report.steps.find((candidate) => candidate.name === name);
    if (!found) throw new Error(`no step ${name} in\n${formatReport(report)}`);
    return found;
  };
  return { report, output: formatReport(report), step };
}

describe('schema:check verdicts', () => {
  it('passes an unchanged tree, every check saying what it looked at', async () => {
    const { report, output } = await check(await fixtureTree(null));
    expect(report.ok).toBe(true);
    expect(output.split('\n')).toEqual([
      'PASS  composition: 2 subgraphs compose',
      'PASS  generated files: up to date',
      expect.stringMatching(
        /^PASS {2}changes: against .*base-api\.graphql: 0 breaking, 0 dangerous, 0 safe$/,
      ),
      'PASS  operations: 2 operations in 1 file valid against the new API schema',
      'PASS  lint: descriptions, names and deprecation reasons follow the house rules',
      'schema check passed',
    ]);
  });

  it('passes an added field and lists it as a safe change', async () => {
    const { report, step } = await check(await fixtureTree('added-field'));
    expect(report.ok).toBe(true);
    expect(step('changes').summary).toMatch(/0 breaking, 0 dangerous, 1 safe$/);
    expect(step('changes').details).toEqual([
      "safe: Field 'weightGrams' was added to object type 'Product' (Product.weightGrams) [FIELD_ADDED]",
    ]);
  });

  it('fails on a composition error with the message, the code, the subgraph and the line', async () => {
    const { report, step, output } = await check(
      await fixtureTree('composition-error', { regenerate: false }),
    );
    expect(report.ok).toBe(false);
    const composition = step('composition');
    expect(composition.status).toBe('fail');
    expect(composition.summary).toMatch(/^the subgraphs do not compose \(\d+ errors?\)$/);
    expect(composition.details).toContain(
      '[FIELD_TYPE_MISMATCH] Type of field "Product.priceCents" is incompatible across subgraphs: it has type "Int!" in subgraph "catalog" but type "String!" in subgraph "reviews" (at subgraphs/catalog/src/schema.graphql:17, subgraphs/reviews/src/schema.graphql:9)',
    );
    expect(composition.details).toContain('changes: not checked until the subgraphs compose');
    expect(output.split('\n').at(-1)).toBe('schema check FAILED (1 of 1 checks): composition');
  });

  it('fails on a syntax error in a subgraph, naming the subgraph and the line', async () => {
    const tree = await fixtureTree(null);
    const file = join(tree.root, 'subgraphs/reviews/src/schema.graphql');
    writeFileSync(file, readFileSync(file, 'utf8').replace('reviews: [Review!]!', 'reviews: [Review!]!!'));
    const { step } = await check(tree);
    expect(step('composition').details[0]).toMatch(
      /^\[reviews\] Syntax Error: .* \(at subgraphs\/reviews\/src\/schema\.graphql:7\)$/,
    );
  });

  it('fails on stale schema files, saying which command regenerates them', async () => {
    const { report, step } = await check(await fixtureTree('added-field', { regenerate: false }));
    expect(report.ok).toBe(false);
    expect(step('generated files')).toEqual({
      name: 'generated files',
      status: 'fail',
      summary: '3 out of date',
      details: [
        'schema/supergraph.graphql is stale: run npm run schema:compose and commit',
        'schema/api.graphql is stale: run npm run schema:compose and commit',
        'schema/subgraphs/catalog.graphql is stale: run npm run schema:compose and commit',
      ],
    });
    // The other checks still judge the new schema.
    expect(step('changes').status).toBe('pass');
    expect(step('operations').status).toBe('pass');
  });

  it('fails on a stale persisted operation manifest when an operation was added without codegen', async () => {
    const { step } = await check(await fixtureTree('new-operation', { regenerate: false }));
    expect(step('generated files').details).toEqual([
      'schema/__generated__/graphql.ts is stale: run npm run codegen and commit',
      'schema/persisted-operations.json is stale: run npm run codegen and commit',
    ]);
    expect(step('operations').summary).toBe('3 operations in 2 files valid against the new API schema');
  });

  it('fails on a breaking change the allow-list does not name, showing the entry that would allow it', async () => {
    const { report, step } = await check(await fixtureTree('breaking-change'));
    expect(report.ok).toBe(false);
    const changes = step('changes');
    expect(changes.status).toBe('fail');
    expect(changes.summary).toMatch(/1 breaking, 0 dangerous, 0 safe \(1 not allowed\)$/);
    expect(changes.details).toEqual([
      "BREAKING: Field 'legacyCode' (deprecated) was removed from object type 'Product' (Product.legacyCode) [FIELD_REMOVED]",
      'a breaking change fails unless schema/breaking-changes.allow.yaml lists it with the reason it is acceptable:',
      '  - path: Product.legacyCode\n    change: FIELD_REMOVED\n    reason: <why clients will not break>',
    ]);
  });

  it('passes a breaking change the allow-list names with a reason, and prints the reason', async () => {
    const { report, step } = await check(await fixtureTree('allowed-breaking-change'));
    expect(report.ok).toBe(true);
    expect(step('changes').status).toBe('pass');
    expect(step('changes').details).toEqual([
      "breaking, allowed: Field 'legacyCode' (deprecated) was removed from object type 'Product' (Product.legacyCode) [FIELD_REMOVED]\n  reason: Deprecated for a year; no client operation reads it any more.",
    ]);
  });

  it('fails when an app operation (beside its component) uses a removed field, naming it and the field, even when the break is allowed', async () => {
    const { report, step } = await check(await fixtureTree('removed-field-in-use'));
    expect(report.ok).toBe(false);
    expect(step('changes').status).toBe('pass');
    const operations = step('operations');
    expect(operations.status).toBe('fail');
    expect(operations.summary).toBe('2 problems (2 operations in 1 file)');
    expect(operations.details).toEqual([
      'ProductPage (apps/storefront/src/storefront.graphql:20): Cannot query field "priceCents" on type "Product".',
      'ProductList (apps/storefront/src/storefront.graphql:20): Cannot query field "priceCents" on type "Product".',
    ]);
    expect(step('generated files').details).toContain(
      'client documents not compared: the operations do not validate (see operations)',
    );
  });

  it('fails on SDL that breaks the house rules: descriptions, names, deprecation reasons', async () => {
    const { report, step } = await check(await fixtureTree('lint-problems'));
    expect(report.ok).toBe(false);
    expect(step('lint').details).toEqual([
      'Product: the type has no description (defined in catalog, reviews)',
      'Product.sku_code: field and argument names are camelCase',
      'Product.colour: the field has no description (defined in catalog)',
      'Colour.black: enum values are SCREAMING_SNAKE_CASE',
      'Product.legacyCode: @deprecated needs a reason that tells clients what to use instead (subgraphs/catalog/src/schema.graphql:19)',
    ]);
  });

  it('fails when the allow-list has an entry without a reason', async () => {
    const { step } = await check(await fixtureTree('invalid-allow-list'));
    expect(step('changes')).toMatchObject({
      status: 'fail',
      summary: 'schema/breaking-changes.allow.yaml is not valid',
      details: ['schema/breaking-changes.allow.yaml entry 1 (reason): every entry needs a reason'],
    });
  });

  it('treats a tree without operations as nothing to validate, with an empty manifest', async () => {
    const tree = await fixtureTree(null);
    for (const folder of OPERATION_FOLDERS) rmSync(join(tree.root, folder), { recursive: true, force: true });
    await regenerate(tree.root);
    const { report, step } = await check(tree);
    expect(report.ok).toBe(true);
    expect(step('operations')).toMatchObject({
      status: 'skip',
      summary: 'no operations in apps/storefront/src/ or schema/operations/ to validate',
    });
    expect(JSON.parse(readFileSync(join(tree.root, 'schema/persisted-operations.json'), 'utf8'))).toEqual({
      format: 'apollo-persisted-query-manifest',
      version: 1,
      operations: [],
    });
  });
});

describe('schema:check base', () => {
  /** The base fixture committed on `branch`, then a feature branch with the case's change committed. */
  async function featureBranch(overlay: string, branch = 'main'): Promise<FixtureTree> {
    const tree = await fixtureTree(null);
    git(tree.root, 'init', '--quiet', '--initial-branch', branch);
    git(tree.root, 'add', '-A');
    git(tree.root, 'commit', '--quiet', '-m', 'base');
    git(tree.root, 'checkout', '--quiet', '-b', 'feature');
    await applyOverlay(tree.root, overlay);
    git(tree.root, 'add', '-A');
    git(tree.root, 'commit', '--quiet', '-m', 'change');
    return tree;
  }

  it('compares with the merge base of HEAD and main by default', async () => {
    const tree = await featureBranch('breaking-change');
    const mainCommit = git(tree.root, 'rev-parse', '--short=7', 'main');
    // main moving on after the branch was made does not change the base.
    git(tree.root, 'checkout', '--quiet', 'main');
    git(tree.root, 'commit', '--quiet', '--allow-empty', '-m', 'later on main');
    git(tree.root, 'checkout', '--quiet', 'feature');
    const { report, step } = await check(tree, null);
    expect(report.ok).toBe(false);
    expect(step('changes').summary).toBe(
      `against merge base with main (${mainCommit}): 1 breaking, 0 dangerous, 0 safe (1 not allowed)`,
    );
  });

  it('compares with any git ref given as --base', async () => {
    const tree = await featureBranch('added-field');
    const { step } = await check(tree, 'HEAD~1');
    expect(step('changes').summary).toMatch(
      /^against HEAD~1 \([0-9a-f]{7}\): 0 breaking, 0 dangerous, 1 safe$/,
    );
    expect((await check(tree, 'HEAD')).step('changes').summary).toMatch(/0 breaking, 0 dangerous, 0 safe$/);
  });

  it('skips the comparison, saying why, when there is no main branch', async () => {
    const tree = await featureBranch('breaking-change', 'trunk');
    const { report, step } = await check(tree, null);
    expect(step('changes')).toMatchObject({
      status: 'skip',
      summary:
        'no base to compare with: there is no branch main (nor origin/main) to compare with; pass --base <git ref | file>',
    });
    expect(report.ok).toBe(true);
  });

  it('skips the comparison when HEAD has no merge base with main', async () => {
    const tree = await featureBranch('added-field');
    git(tree.root, 'checkout', '--quiet', '--orphan', 'unrelated');
    git(tree.root, 'commit', '--quiet', '-m', 'unrelated history');
    const { step } = await check(tree, null);
    expect(step('changes')).toMatchObject({
      status: 'skip',
      summary:
        'no base to compare with: HEAD and main have no common ancestor (a shallow clone? fetch the full history, or pass --base)',
    });
  });

  it('skips the comparison outside a git checkout', async () => {
    const { step } = await check(await fixtureTree('breaking-change'), null);
    expect(step('changes')).toMatchObject({
      status: 'skip',
      summary: 'no base to compare with: not a git checkout; pass --base <file> to compare with',
    });
  });

  it('fails when --base names neither a file nor a ref', async () => {
    const tree = await featureBranch('added-field');
    const { report, step } = await check(tree, 'no-such-branch');
    expect(report.ok).toBe(false);
    expect(step('changes').summary).toBe('--base no-such-branch: neither a file nor a git ref');
  });

  it('has nothing to compare with when the base commit has no API schema', async () => {
    const tree = await featureBranch('added-field');
    git(tree.root, 'checkout', '--quiet', '--orphan', 'empty-start');
    git(tree.root, 'rm', '-r', '--quiet', '--cached', 'schema');
    git(tree.root, 'commit', '--quiet', '-m', 'no schema yet');
    const { step } = await check(tree, 'empty-start');
    expect(step('changes').status).toBe('skip');
    expect(step('changes').summary).toMatch(/^the base empty-start \([0-9a-f]{7}\) has no API schema yet/);
  });
});

describe('schema:check command line', () => {
  const run = promisify(execFile);

  it('exits 2 with the usage on an unknown option', async () => {
    const failure = await run('node', ['--import', 'tsx', 'scripts/schema-check.ts', '--bogus'], {
      cwd: ROOT,
    }).then(
      () => null,
      (error: { code: number; stderr: string }) => error,
    );
    expect(failure?.code).toBe(2);
    expect(failure?.stderr).toContain('usage: npm run schema:check -- [--base <git ref | file>] [--verbose]');
  });
});
