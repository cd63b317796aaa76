import { spawn } from 'node:child_process';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { type StorefrontServer, startStorefrontServer } from '@shop/storefront/server';
import { ROOT } from './services';

export const STOREFRONT_DIR = join(ROOT, 'apps/storefront');

/** `vite build` of the storefront into apps/storefront/dist (a few seconds); rejects with Vite's output. */
export function buildStorefront(): Promise<void> {
  const vitePackage = createRequire(join(STOREFRONT_DIR, 'package.json')).resolve('vite/package.json');
  const vite = join(dirname(vitePackage), 'bin/vite.js');
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [vite, 'build', '--logLevel', 'warn'], { cwd: STOREFRONT_DIR });
    let output = '';
    child.stdout.on('data', (chunk) => (output += chunk));
    child.stderr.on('data', (chunk) => (output += chunk));
    child.once('error', reject);
    child.once('exit', (code) =>
      code === 0
        ? resolve()
        : reject(new Error(`the storefront did not build (vite exited ${code}):\n${output}`)),
    );
  });
}

/** Builds the storefront and serves it on `port` (0: any free port), talking to `gatewayUrl`. */
export async function startStorefront(options: {
  port: number;
  gatewayUrl: string;
}): Promise<StorefrontServer> {
  await buildStorefront();
  return serveStorefront(options);
}

/** Serves the storefront built already. */
export function serveStorefront(options: { port: number; gatewayUrl: string }): Promise<StorefrontServer> {
  return startStorefrontServer({
    distDir: join(STOREFRONT_DIR, 'dist'),
    gatewayUrl: options.gatewayUrl,
    port: options.port,
  });
}

/** The origins a browser on the storefront's port sends: what the gateway's CORS_ORIGINS must allow. */
export function storefrontOrigins(port: number): string[] {
  return [`http://localhost:${port}`, `http://127.0.0.1:${port}`];
}
