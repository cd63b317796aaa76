import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { parseAllDocuments } from 'yaml';

const BASE = fileURLToPath(new URL('../../deploy/base', import.meta.url));

interface Probe {
  httpGet?: { path?: string; port?: string | number };
  periodSeconds?: number;
  failureThreshold?: number;
}
interface Container {
  name: string;
  ports?: { name?: string; containerPort: number }[];
  livenessProbe?: Probe;
  readinessProbe?: Probe;
}

/** Every Deployment in every manifest of deploy/base, whatever service it is. */
function deployments(): { file: string; name: string; containers: Container[] }[] {
  return readdirSync(BASE)
    .filter((file) => file.endsWith('.yaml'))
    .flatMap((file) =>
      parseAllDocuments(readFileSync(join(BASE, file), 'utf8'))
        .map((document) => document.toJS())
        .filter((object) => object?.kind === 'Deployment')
        .map((object) => ({
          file,
          name: object.metadata.name,
          containers: object.spec.template.spec.containers,
        })),
    );
}

// In the distributed mode the orchestrator restarts a dead service: only if a probe notices it.
describe('every Kubernetes Deployment', () => {
  const found = deployments();

  it('exists for the gateway, each subgraph, the registry and the storefront', () => {
    expect(found.map((deployment) => deployment.name).sort()).toEqual(
      [
        'accounts',
        'gateway',
        'inventory',
        'orders',
        'payments',
        'products',
        'reviews',
        'registry',
        'storefront',
      ].sort(),
    );
  });

  it.each(found.map((deployment) => [deployment.name, deployment] as const))(
    '%s: liveness on /health and readiness on /ready, on a port the container serves, within a minute',
    (_name, deployment) => {
      for (const container of deployment.containers) {
        const ports = new Set<string | number>(
          (container.ports ?? []).flatMap((port) => [port.containerPort, ...(port.name ? [port.name] : [])]),
        );
        for (const [probe, path] of [
          [container.livenessProbe, '/health'],
          [container.readinessProbe, '/ready'],
        ] as const) {
          expect(probe?.httpGet?.path, `${deployment.file}: ${container.name}`).toBe(path);
          expect(ports.has(probe?.httpGet?.port ?? ''), `${deployment.file}: probe port`).toBe(true);
          // Kubernetes' defaults: every 10 s, 3 failures.
          const noticedAfter = (probe?.periodSeconds ?? 10) * (probe?.failureThreshold ?? 3);
          expect(noticedAfter, `${deployment.file}: seconds to notice`).toBeLessThanOrEqual(60);
        }
      }
    },
  );
});
