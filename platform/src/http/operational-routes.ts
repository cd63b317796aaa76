import type { Metrics } from '../metrics';
import { sendJson } from './respond';
import type { Routes } from './server';

export interface ReadinessCheck {
  name: string;
  check: () => Promise<void>;
}

/**
 * `/health` says the process is alive (for restarts), `/ready` that it can serve (for load
 * balancers: dependencies reachable, start-up work done), `/metrics` is Prometheus text.
 * They stay open without credentials: they reveal nothing about data.
 */
export function operationalRoutes(metrics: Metrics, readiness: () => ReadinessCheck[]): Routes {
  return {
    'GET /health': (_req, res) => sendJson(res, 200, { status: 'ok' }),
    'GET /ready': async (_req, res) => {
      const results = await Promise.all(
        readiness().map(async ({ name, check }) => {
          try {
            await withTimeout(check(), 2000);
            return [name, 'ok'] as const;
          } catch (error) {
            return [name, error instanceof Error ? error.message : 'failed'] as const;
          }
        }),
      );
      const ready = results.every(([, outcome]) => outcome === 'ok');
      sendJson(res, ready ? 200 : 503, {
        status: ready ? 'ready' : 'not ready',
        checks: Object.fromEntries(results),
      });
    },
    'GET /metrics': async (_req, res) => {
      const body = await metrics.registry.metrics();
      res.writeHead(200, { 'content-type': metrics.registry.contentType });
      res.end(body);
    },
  };
}

function withTimeout<T>(promise: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  return Promise.race([
    promise,
    new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`no answer within ${ms} ms`)), ms);
    }),
  ]).finally(() => clearTimeout(timer));
}
