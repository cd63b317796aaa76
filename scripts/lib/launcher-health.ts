import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { ServiceStatus } from './supervisor';

export interface LauncherHealth {
  port: number;
  close(): Promise<void>;
}

/**
 * The launcher's own `GET /health`: every service it runs, its state, pid, port, restarts and
 * last exit. 200 while all are running, 503 while any is restarting or given up, so a monitor
 * polling it sees what `npm start`'s log says.
 */
export async function startLauncherHealth(options: {
  host: string;
  port: number;
  services: () => ServiceStatus[];
}): Promise<LauncherHealth> {
  const server = createServer((request, response) => {
    const path = new URL(request.url ?? '/', 'http://launcher').pathname;
    if (request.method !== 'GET' || path !== '/health') {
      response.writeHead(404, { 'content-type': 'application/json' });
      response.end(JSON.stringify({ error: 'GET /health is all there is' }));
      return;
    }
    const services = options.services();
    const status = services.some((service) => service.state === 'failed')
      ? 'failed'
      : services.every((service) => service.state === 'running')
        ? 'ok'
        : 'degraded';
    response.writeHead(status === 'ok' ? 200 : 503, {
      'content-type': 'application/json',
      'cache-control': 'no-store',
    });
    response.end(JSON.stringify({ status, services }));
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port, options.host, () => resolve());
  });
  return {
    port: (server.address() as AddressInfo).port,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
