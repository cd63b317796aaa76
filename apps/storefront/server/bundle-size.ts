import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';

/**
 * After `vite build`: the JavaScript the home page loads before it can render (the entry script and
 * the chunks it preloads), gzipped. Over the budget fails the build (and so CI).
 */
const BUDGET_BYTES = 150 * 1024;
const dist = fileURLToPath(new URL('../dist', import.meta.url));
const html = readFileSync(join(dist, 'index.html'), 'utf8');
const scripts = [
  ...html.matchAll(/<(?:script[^>]+src|link[^>]+rel="modulepreload"[^>]+href)="([^"]+\.js)"/g),
].map((match) => match[1] as string);
let total = 0;
for (const script of scripts) {
  const size = gzipSync(readFileSync(join(dist, script))).length;
  total += size;
  console.info(`  ${script}  ${(size / 1024).toFixed(1)} KB gzipped`);
}
const verdict = total <= BUDGET_BYTES ? 'within' : 'OVER';
console.info(
  `home page initial JavaScript: ${(total / 1024).toFixed(1)} KB gzipped (${verdict} the ${BUDGET_BYTES / 1024} KB budget)`,
);
if (total > BUDGET_BYTES) process.exit(1);
