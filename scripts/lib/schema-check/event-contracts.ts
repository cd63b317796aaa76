import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { EVENT_SCHEMAS_DIR, runBuf } from '../event-schemas';
import { baseCommit, git } from './base-schema';
import { capped, plural, type StepResult } from './report';

/** `buf lint` with buf.yaml's rules over schema/events. */
export async function lintEventSchemas(root: string, verbose: boolean): Promise<StepResult> {
  const name = 'event schemas: lint';
  const linted = await runBuf(root, ['lint', '--error-format', 'text']);
  if (linted.ok)
    return { name, status: 'pass', summary: `${EVENT_SCHEMAS_DIR} follows buf.yaml's rules`, details: [] };
  const problems = linted.output.split('\n').filter((line) => line.trim() !== '');
  return {
    name,
    status: 'fail',
    summary: plural(problems.length, 'problem'),
    details: verbose ? problems : capped(problems, 20, 'problems'),
  };
}

/**
 * `buf breaking` (WIRE_JSON, buf.yaml) against the event schemas of the base: the merge base of
 * HEAD with main, or the git ref `--base` names. A removed field, a changed number or type fails:
 * events written by the old schema would no longer read, or read wrong.
 */
export async function checkEventSchemaChanges(
  root: string,
  base: string | undefined,
  verbose: boolean,
  cwd = process.cwd(),
): Promise<StepResult> {
  const name = 'event schemas: breaking changes';
  if (base !== undefined && existsSync(resolve(cwd, base)))
    return {
      name,
      status: 'skip',
      summary: `--base ${base} is a file (an API schema): event schemas are compared with a git ref only`,
      details: [],
    };
  const found = baseCommit(root, base);
  if (found.kind === 'invalid') return { name, status: 'fail', summary: found.reason, details: [] };
  if (found.kind === 'unavailable')
    return { name, status: 'skip', summary: `no base to compare with: ${found.reason}`, details: [] };
  if (git(root, ['cat-file', '-e', `${found.commit}:./buf.yaml`]) === null)
    return { name, status: 'pass', summary: `the base ${found.label} has no event schemas yet`, details: [] };

  const scratch = mkdtempSync(join(tmpdir(), 'shop-event-base-'));
  try {
    // The base's buf.yaml and .proto files, as a folder buf can read (worktrees and shallow clones alike).
    const prefix = git(root, ['rev-parse', '--show-prefix']) ?? '';
    const archive = execFileSync(
      'git',
      ['archive', '--format=tar', found.commit, `${prefix}buf.yaml`, `${prefix}${EVENT_SCHEMAS_DIR}`],
      { cwd: root, maxBuffer: 64 * 1024 * 1024 },
    );
    execFileSync(
      'tar',
      ['-x', '-C', scratch, ...(prefix ? ['--strip-components', String(prefix.split('/').length - 1)] : [])],
      {
        input: archive,
      },
    );
    const compared = await runBuf(root, ['breaking', '--against', scratch, '--error-format', 'text']);
    if (compared.ok)
      return { name, status: 'pass', summary: `against ${found.label}: no breaking change`, details: [] };
    const changes = compared.output.split('\n').filter((line) => line.trim() !== '');
    return {
      name,
      status: 'fail',
      summary: `against ${found.label}: ${plural(changes.length, 'breaking change')}`,
      details: [
        ...(verbose ? changes : capped(changes, 20, 'changes')),
        'events already written (in outboxes, on the bus) must still read: add a field with a new number instead, or a new package version (shop.<service>.v2)',
      ],
    };
  } finally {
    rmSync(scratch, { recursive: true, force: true });
  }
}
