import { readFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { extname, join, normalize } from 'node:path';

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.json': 'application/json',
};

export interface StorefrontServer {
  url: string;
  close(): Promise<void>;
}

/**
 * Serves the built app (apps/storefront/dist): hashed assets cached for a year, index.html never
 * (so a new build is seen at once), and index.html for every app route (the app routes itself).
 * The gateway's URL is written into index.html here, so one build runs against any gateway.
 */
export async function startStorefrontServer(options: {
  distDir: string;
  gatewayUrl: string;
  port: number;
  host?: string;
}): Promise<StorefrontServer> {
  const index = (await readFile(join(options.distDir, 'index.html'), 'utf8')).replace(
    '%SHOP_GATEWAY_URL%',
    options.gatewayUrl.replace(/"/g, '&quot;'),
  );
  const server: Server = createServer(async (request, response) => {
    const path = normalize(decodeURIComponent(new URL(request.url ?? '/', 'http://x').pathname));
    const common = { 'x-content-type-options': 'nosniff', 'referrer-policy': 'same-origin' };
    if (request.method !== 'GET' && request.method !== 'HEAD') {
      response.writeHead(405, { ...common, allow: 'GET, HEAD' }).end();
      return;
    }
    if (path.startsWith('/assets/') && !path.includes('..')) {
      try {
        const body = await readFile(join(options.distDir, path));
        response.writeHead(200, {
          ...common,
          'content-type': TYPES[extname(path)] ?? 'application/octet-stream',
          'cache-control': 'public, max-age=31536000, immutable',
        });
        response.end(request.method === 'HEAD' ? undefined : body);
      } catch {
        response
          .writeHead(404, { ...common, 'content-type': 'text/plain', 'cache-control': 'no-cache' })
          .end('not found');
      }
      return;
    }
    // Alive and ready are the same for static files: the process answers.
    if (path === '/health' || path === '/ready') {
      response.writeHead(200, { ...common, 'content-type': 'application/json', 'cache-control': 'no-store' });
      response.end('{"status":"ok"}');
      return;
    }
    // A file-like path that is not an asset does not exist; anything else is a route of the app.
    if (extname(path)) {
      response
        .writeHead(404, { ...common, 'content-type': 'text/plain', 'cache-control': 'no-cache' })
        .end('not found');
      return;
    }
    response.writeHead(200, { ...common, 'content-type': TYPES['.html'], 'cache-control': 'no-cache' });
    response.end(request.method === 'HEAD' ? undefined : index);
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port, options.host ?? '0.0.0.0', () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://localhost:${port}`,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}
