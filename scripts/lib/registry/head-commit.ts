import { execFileSync } from 'node:child_process';
import { ROOT } from '../services';

/** The checkout's HEAD commit, recorded with a publish; null outside a git checkout. */
export function headCommit(): string | null {
  try {
    return execFileSync('git', ['rev-parse', 'HEAD'], { cwd: ROOT, encoding: 'utf8' }).trim();
  } catch {
    return null;
  }
}
