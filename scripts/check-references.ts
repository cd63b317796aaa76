import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { ROOT } from './lib/services';

/**
 * `npm run check:references`: fails when a document or a comment points at a file the
 * repository does not have: a relative Markdown link, a `path/to/file.ext` in backticks in a
 * Markdown file, or a Markdown file's name cited anywhere in the sources.
 */
const files = execFileSync('git', ['ls-files', '--cached', '--others', '--exclude-standard'], {
  cwd: ROOT,
  encoding: 'utf8',
})
  .split('\n')
  .filter((file) => file.length > 0 && existsSync(join(ROOT, file)));
// Every folder that holds a file of the repository: a run-time folder (`.data/`) never does.
const trackedFolders = new Set(
  files.flatMap((file) =>
    file
      .split('/')
      .slice(0, -1)
      .map((_, index, parts) => parts.slice(0, index + 1).join('/')),
  ),
);
const markdownNames = new Set(files.filter((file) => file.endsWith('.md')).map((file) => basename(file)));
const sources = files.filter((file) => /\.(ts|tsx|md|ya?ml|sh|mjs|proto|graphql)$/.test(file));
// Generated or vendored text cites what it likes; fixtures may name files on purpose.
const skipped = /(^|\/)(__generated__|fixtures|node_modules)\//;

const problems: string[] = [];
const exists = (from: string, target: string) =>
  existsSync(join(ROOT, dirname(from), target)) || existsSync(join(ROOT, target));

for (const file of sources) {
  if (skipped.test(file)) continue;
  const text = readFileSync(join(ROOT, file), 'utf8');
  const lineOf = (index: number) => text.slice(0, index).split('\n').length;
  if (file.endsWith('.md')) {
    for (const match of text.matchAll(/\]\(([^)\s]+)\)/g)) {
      const target = (match[1] ?? '').split('#')[0] ?? '';
      if (target === '' || /^[a-z]+:/.test(target)) continue;
      if (!existsSync(join(ROOT, dirname(file), target)))
        problems.push(`${file}:${lineOf(match.index)}: link to ${target}, which is not in the repository`);
    }
    for (const match of text.matchAll(/`((?:\.{0,2}\/)?[\w.-]+(?:\/[\w.-]+)+\.[a-z]{2,5})`/g)) {
      const target = match[1] ?? '';
      // Only paths that start in the repository (or beside the file): `src/...` inside a service, `.data/` at run time are not.
      if (target.startsWith('/')) continue;
      const first = target.replace(/^\.\//, '').split('/')[0] ?? '';
      const inRepository = (folder: string) => folder !== '.' && trackedFolders.has(folder);
      if (!inRepository(first) && !inRepository(join(dirname(file), first))) continue;
      if (!exists(file, target))
        problems.push(`${file}:${lineOf(match.index)}: names ${target}, which is not in the repository`);
    }
  }
  for (const match of text.matchAll(/(?<![\w/.-])([\w-]+\.md)\b/g)) {
    const name = match[1] ?? '';
    if (!markdownNames.has(name))
      problems.push(`${file}:${lineOf(match.index)}: cites ${name}, which is not in the repository`);
  }
}

for (const problem of problems) console.error(problem);
if (problems.length > 0) {
  console.error(
    `${problems.length} reference(s) to files that do not exist: fix the reference or add the file`,
  );
  process.exit(1);
}
console.log(`every reference in ${sources.length} files points at a file in the repository`);
