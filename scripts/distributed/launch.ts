import { type ChildProcess, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { createServer } from 'node:net';
import { deleteNatsStreams, testLogLevel } from '@shop/devkit/testing';
import { subgraphSecretVariable } from '@shop/platform/config';
import { childEnvironment } from '../config';
import { newSigningKey } from '../lib/secrets';
import { GATEWAY, gatewayMetricsPort, ROOT, SUBGRAPHS } from '../lib/services';
import { dropDatabases } from '../lib/stack';
import { databaseUrlVariable, replicasVariable } from './config';

/**
 * `npm run start:distributed` as its own process group, the way an operator runs it, for the
 * tests (and anyone scripting it): a complete environment of fresh databases (prefixed, on the
 * server `adminUrl` reaches), fresh secrets and a NATS namespace of its own, on ports free here.
 */
export interface DistributedLaunch {
  /** `http://127.0.0.1:<port>` of each gateway process, the first being the balancer when there are several. */
  gatewayUrl: string;
  portOffset: number;
  /** The environment it was started with (database URLs, secrets, namespace). */
  env: Record<string, string>;
  databasePrefix: string;
  eventsNamespace: string;
  output: string[];
  child: ChildProcess;
  exited: Promise<number | string>;
  /** Ctrl-C (SIGINT to the group), SIGKILL after `timeoutMs`; resolves once it has exited. */
  stop(timeoutMs?: number): Promise<void>;
  /** Stops it, then drops its databases and roles and deletes its NATS streams. */
  destroy(): Promise<void>;
}

export interface LaunchOptions {
  adminUrl: string;
  natsUrl: string;
  replicas?: Record<string, number>;
  args?: string[];
  env?: Record<string, string>;
  /** Seconds to wait for "ready". */
  timeoutSeconds?: number;
}

/** Every variable `npm run start:distributed` needs for a fresh system (see `launchDistributed`). */
export function distributedEnvironment(options: Pick<LaunchOptions, 'adminUrl' | 'natsUrl'>): {
  env: Record<string, string>;
  databasePrefix: string;
  eventsNamespace: string;
} {
  const databasePrefix = `dist_${randomBytes(3).toString('hex')}_`;
  const eventsNamespace = databasePrefix.slice(0, -1);
  const env: Record<string, string> = {
    NATS_URL: options.natsUrl,
    POSTGRES_ADMIN_URL: options.adminUrl,
    EVENTS_NAMESPACE: eventsNamespace,
    JWT_SIGNING_KEYS: JSON.stringify([newSigningKey(new Date(Date.now() - 60_000))]),
  };
  for (const spec of SUBGRAPHS) {
    const url = new URL(options.adminUrl);
    url.username = `${databasePrefix}${spec.name}`;
    url.password = randomBytes(18).toString('base64url');
    url.pathname = `/${databasePrefix}${spec.name}`;
    env[databaseUrlVariable(spec.name)] = url.toString();
    env[subgraphSecretVariable(spec.name)] = randomBytes(32).toString('base64url');
  }
  return { env, databasePrefix, eventsNamespace };
}

/** A port offset whose ports (each service's, and its replicas' at +100·i) are all free now. */
export async function freePortOffset(replicaCount = 2): Promise<number> {
  for (let attempt = 0; attempt < 50; attempt++) {
    // Below 32768, where Linux picks the ports of outgoing connections (and of tests' port 0).
    const offset = 10_000 + 1000 * Math.floor(Math.random() * 18);
    const ports = [
      GATEWAY.port,
      gatewayMetricsPort(GATEWAY.port),
      ...SUBGRAPHS.map((spec) => spec.port),
    ].flatMap((port) => Array.from({ length: replicaCount + 1 }, (_, index) => port + offset + 100 * index));
    if ((await Promise.all(ports.map(isFree))).every(Boolean)) return offset;
  }
  throw new Error('no free range of ports for the distributed system');
}

function isFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const server = createServer();
    server.once('error', () => resolve(false));
    server.listen(port, '127.0.0.1', () => server.close(() => resolve(true)));
  });
}

/** Starts `npm run start:distributed` and waits until it says it is ready (or fails with its output). */
export async function launchDistributed(options: LaunchOptions): Promise<DistributedLaunch> {
  const fresh = distributedEnvironment(options);
  const portOffset = await freePortOffset(Math.max(1, ...Object.values(options.replicas ?? {})));
  const env: Record<string, string> = {
    ...fresh.env,
    PORT_OFFSET: String(portOffset),
    ...Object.fromEntries(
      Object.entries(options.replicas ?? {}).map(([service, count]) => [
        replicasVariable(service),
        String(count),
      ]),
    ),
    ...options.env,
  };
  const output: string[] = [];
  // The services' logs go to the test's output only when TEST_LOG_LEVEL asks for them.
  const logLevel = testLogLevel();
  const child = spawn('npm', ['run', 'start:distributed', '--', ...(options.args ?? [])], {
    cwd: ROOT,
    detached: true,
    stdio: ['ignore', 'pipe', 'pipe'],
    env: childEnvironment({ LOG_LEVEL: logLevel === 'silent' ? 'warn' : logLevel, ...env }),
  });
  for (const stream of [child.stdout, child.stderr])
    stream?.on('data', (chunk: Buffer) => {
      output.push(chunk.toString());
      if (logLevel !== 'silent') process.stdout.write(chunk);
    });
  const exited = new Promise<number | string>((resolve) =>
    child.once('exit', (code, signal) => resolve(code ?? signal ?? 'unknown')),
  );
  const signalGroup = (signal: NodeJS.Signals) => {
    try {
      if (child.pid) process.kill(-child.pid, signal);
    } catch {}
  };
  const launch: DistributedLaunch = {
    gatewayUrl: `http://127.0.0.1:${4000 + portOffset}`,
    portOffset,
    env,
    databasePrefix: fresh.databasePrefix,
    eventsNamespace: fresh.eventsNamespace,
    output,
    child,
    exited,
    async stop(timeoutMs = 30_000) {
      if (child.exitCode !== null || child.signalCode !== null) return;
      signalGroup('SIGINT');
      const timer = setTimeout(() => signalGroup('SIGKILL'), timeoutMs);
      await exited;
      clearTimeout(timer);
    },
    async destroy() {
      await launch.stop();
      await dropDatabases(options.adminUrl, fresh.databasePrefix);
      await deleteNatsStreams(options.natsUrl, `${fresh.eventsNamespace}_`);
    },
  };
  const deadline = Date.now() + (options.timeoutSeconds ?? 180) * 1000;
  while (!output.join('').includes('ready in')) {
    if (child.exitCode !== null || Date.now() > deadline) {
      await launch.destroy();
      throw new Error(`npm run start:distributed did not become ready:\n${output.join('').slice(-8000)}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
  return launch;
}
