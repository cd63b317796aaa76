import { readFile } from 'node:fs/promises';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { extname, join } from 'node:path';
import { isPicturePath, PICTURE_HEADERS, parsePictureRequest, renderProductPicture } from './product-picture';
import { parseRequestTarget } from './request-target';

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
 * Products' placeholder pictures are drawn here too (product-picture.ts): no image host needed.
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
  const common = { 'x-content-type-options': 'nosniff', 'referrer-policy': 'same-origin' };
  const plain = (response: ServerResponse, status: number, body: string) =>
    response
      .writeHead(status, {
        ...common,
        'content-type': 'text/plain; charset=utf-8',
        'cache-control': 'no-cache',
      })
      .end(body);
  const handle = async (request: IncomingMessage, response: ServerResponse) => {
    const target = parseRequestTarget(request.url);
    if (!target) {
      plain(response, 400, 'bad request: malformed URL');
      return;
    }
    const path = target.path;
    if (request.method !== 'GET' && request.method !== 'HEAD') {
      response.writeHead(405, { ...common, allow: 'GET, HEAD' }).end();
      return;
    }
    if (isPicturePath(path)) {
      const parsed = parsePictureRequest(path, target.query);
      if ('error' in parsed) {
        plain(response, 400, `bad request: ${parsed.error}`);
        return;
      }
      response.writeHead(200, { ...common, ...PICTURE_HEADERS });
      response.end(request.method === 'HEAD' ? undefined : renderProductPicture(parsed.picture));
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
        plain(response, 404, 'not found');
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
      plain(response, 404, 'not found');
      return;
    }
    response.writeHead(200, { ...common, 'content-type': TYPES['.html'], 'cache-control': 'no-cache' });
    response.end(request.method === 'HEAD' ? undefined : index);
  };
  // A request that fails in a way not foreseen gets a 500; the server goes on serving the others.
  const server: Server = createServer((request, response) => {
    handle(request, response).catch((error: unknown) => {
      console.error(
        JSON.stringify({ level: 'error', msg: 'storefront request failed', error: String(error) }),
      );
      if (!response.headersSent) response.writeHead(500, { ...common, 'content-type': 'text/plain' });
      response.end();
    });
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
