import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { gzipSync } from 'node:zlib';

export interface Asset {
  contentType: string;
  body: Buffer;
  gzipped: Buffer;
  etag: string;
}

const require = createRequire(import.meta.url);
const packageDir = (name: string) => dirname(require.resolve(`${name}/package.json`));
const own = (file: string) => new URL(`./static/${file}`, import.meta.url);

/**
 * What the playground page loads, all from this gateway: GraphiQL's browser build and the React
 * it runs on come from node_modules (no CDN, so it works offline and behind firewalls), the rest
 * from `static/`. Read and compressed once, at start.
 */
const FILES: Record<string, { path: string | URL; contentType: string }> = {
  'react.js': {
    path: join(packageDir('react'), 'umd/react.production.min.js'),
    contentType: 'text/javascript',
  },
  'react-dom.js': {
    path: join(packageDir('react-dom'), 'umd/react-dom.production.min.js'),
    contentType: 'text/javascript',
  },
  'graphiql.js': { path: join(packageDir('graphiql'), 'graphiql.min.js'), contentType: 'text/javascript' },
  'graphiql.css': { path: join(packageDir('graphiql'), 'graphiql.min.css'), contentType: 'text/css' },
  'playground.js': { path: own('playground.js'), contentType: 'text/javascript' },
  'playground.css': { path: own('playground.css'), contentType: 'text/css' },
  'index.html': { path: own('index.html'), contentType: 'text/html' },
  'history.html': { path: own('history.html'), contentType: 'text/html' },
  'history.js': { path: own('history.js'), contentType: 'text/javascript' },
  'history.css': { path: own('history.css'), contentType: 'text/css' },
  'log-in.js': { path: own('log-in.js'), contentType: 'text/javascript' },
};

export async function loadAssets(): Promise<Map<string, Asset>> {
  const assets = new Map<string, Asset>();
  await Promise.all(
    Object.entries(FILES).map(async ([name, { path, contentType }]) => {
      const body = await readFile(path);
      assets.set(name, {
        contentType: `${contentType}; charset=utf-8`,
        body,
        gzipped: gzipSync(body),
        etag: `"${createHash('sha256').update(body).digest('base64url').slice(0, 22)}"`,
      });
    }),
  );
  return assets;
}
