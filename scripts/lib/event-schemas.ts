import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { promisify } from 'node:util';

/**
 * The event contracts' tooling: the buf CLI from the @bufbuild/buf npm package (its binary comes
 * in the package for this platform), run on the buf.yaml at a checkout's root.
 */

/** The folder of the .proto files, relative to the root; buf.yaml names it as its module. */
export const EVENT_SCHEMAS_DIR = 'schema/events';
/** Where `npm run codegen` writes the TypeScript of the event contracts (buf.gen.yaml says so too). */
export const EVENT_CODE_DIR = 'platform/src/events/__generated__';

const BUF = createRequire(import.meta.url).resolve('@bufbuild/buf/bin/buf');
const run = promisify(execFile);

export interface BufResult {
  ok: boolean;
  /** What buf printed (its findings, or why it failed). */
  output: string;
}

/** Runs `buf <args>` in `cwd`; not ok when buf exits non-zero (findings or an error). */
export async function runBuf(cwd: string, args: readonly string[]): Promise<BufResult> {
  try {
    const { stdout, stderr } = await run(process.execPath, [BUF, ...args], {
      cwd,
      maxBuffer: 16 * 1024 * 1024,
    });
    return { ok: true, output: `${stdout}${stderr}`.trim() };
  } catch (error) {
    const failed = error as { stdout?: string; stderr?: string; message: string };
    return { ok: false, output: `${failed.stdout ?? ''}${failed.stderr ?? ''}`.trim() || failed.message };
  }
}

/** Whether the checkout at `root` has event contracts at all (a buf.yaml). */
export function hasEventSchemas(root: string): boolean {
  return existsSync(join(root, 'buf.yaml'));
}

/**
 * The generated TypeScript as `buf generate` (buf.gen.yaml) writes it, by path relative to
 * `root`, made in a scratch folder so the caller compares or writes; and the files now in the
 * generated folder that it would not write (left from a removed .proto).
 */
export async function generateEventCode(
  root: string,
): Promise<{ files: Map<string, string>; orphans: string[] }> {
  const scratch = mkdtempSync(join(tmpdir(), 'shop-event-code-'));
  try {
    const generated = await runBuf(root, ['generate', '--template', 'buf.gen.yaml', '--output', scratch]);
    if (!generated.ok) throw new Error(`buf generate failed:\n${generated.output}`);
    const files = new Map<string, string>();
    for (const path of filesUnder(scratch)) files.set(relative(scratch, path), readFileSync(path, 'utf8'));
    const current = existsSync(join(root, EVENT_CODE_DIR)) ? filesUnder(join(root, EVENT_CODE_DIR)) : [];
    const orphans = current.map((path) => relative(root, path)).filter((file) => !files.has(file));
    return { files, orphans };
  } finally {
    rmSync(scratch, { recursive: true, force: true });
  }
}

function filesUnder(dir: string): string[] {
  return readdirSync(dir, { recursive: true, withFileTypes: true })
    .filter((entry) => entry.isFile())
    .map((entry) => join(entry.parentPath, entry.name))
    .sort();
}
