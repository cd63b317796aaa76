import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { API_SCHEMA_FILE } from '../schema-artifacts';

/** The branches the default base is the merge base with, in order of preference. */
const MAIN_BRANCHES = ['main', 'origin/main'];

/**
 * The API schema to compare with. `found`: its SDL (null when the base has no API schema yet);
 * `unavailable`: the default base cannot be determined here (the comparison is skipped, saying
 * why); `invalid`: the `--base` given names nothing (the check fails).
 */
export type BaseSchema =
  | { kind: 'found'; label: string; sdl: string | null }
  | { kind: 'unavailable'; reason: string }
  | { kind: 'invalid'; reason: string };

/**
 * `--base <file | git ref>` (a file wins when both exist); without it, the merge base of HEAD
 * with main, the commit a pull request's changes are measured from.
 */
export function readBaseSchema(root: string, base: string | undefined, cwd = process.cwd()): BaseSchema {
  if (base !== undefined) {
    const file = resolve(cwd, base);
    if (existsSync(file)) return { kind: 'found', label: base, sdl: readFileSync(file, 'utf8') };
  }
  const found = baseCommit(root, base);
  if (found.kind !== 'found') return found;
  return { kind: 'found', label: found.label, sdl: apiSchemaAt(root, found.commit) };
}

/** The commit `--base` names, or by default the merge base of HEAD with main (see BaseSchema for the other kinds). */
export type BaseCommit =
  | { kind: 'found'; label: string; commit: string }
  | { kind: 'unavailable'; reason: string }
  | { kind: 'invalid'; reason: string };

export function baseCommit(root: string, base: string | undefined): BaseCommit {
  if (base !== undefined) {
    if (!insideGitCheckout(root))
      return { kind: 'invalid', reason: `--base ${base}: no such file, and this is not a git checkout` };
    const commit = git(root, ['rev-parse', '--verify', '--quiet', `${base}^{commit}`]);
    if (commit === null) return { kind: 'invalid', reason: `--base ${base}: neither a file nor a git ref` };
    return { kind: 'found', label: `${base} (${commit.slice(0, 7)})`, commit };
  }
  if (!insideGitCheckout(root))
    return { kind: 'unavailable', reason: 'not a git checkout; pass --base <file> to compare with' };
  const branch = MAIN_BRANCHES.find((name) =>
    git(root, ['rev-parse', '--verify', '--quiet', `${name}^{commit}`]),
  );
  if (!branch)
    return {
      kind: 'unavailable',
      reason: 'there is no branch main (nor origin/main) to compare with; pass --base <git ref | file>',
    };
  const mergeBase = git(root, ['merge-base', 'HEAD', branch]);
  if (mergeBase === null)
    return {
      kind: 'unavailable',
      reason: `HEAD and ${branch} have no common ancestor (a shallow clone? fetch the full history, or pass --base)`,
    };
  return { kind: 'found', label: `merge base with ${branch} (${mergeBase.slice(0, 7)})`, commit: mergeBase };
}

function apiSchemaAt(root: string, commit: string): string | null {
  // `./` makes the path relative to root, wherever root sits in the repository.
  return git(root, ['show', `${commit}:./${API_SCHEMA_FILE}`], false);
}

function insideGitCheckout(root: string): boolean {
  return git(root, ['rev-parse', '--is-inside-work-tree']) === 'true';
}

/** Runs git in `root`; null when it fails (not a repository, unknown ref, git missing). */
export function git(root: string, args: string[], trim = true): string | null {
  try {
    const output = execFileSync('git', args, {
      cwd: root,
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'ignore'],
      maxBuffer: 64 * 1024 * 1024,
    });
    return trim ? output.trim() : output;
  } catch {
    return null;
  }
}
