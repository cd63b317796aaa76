import { join } from 'node:path';
import { type OutputSink, startServiceProcess } from './processes';
import { REGISTRY, ROOT } from './services';
import { provisionDatabases, type StackOptions } from './stack';
import {
  type RestartPolicy,
  type ServiceStatus,
  type SupervisedService,
  supervise,
  unsupervisedStatus,
} from './supervisor';

/** The schema registry as the launcher runs it: its own database and role, its own process, supervised. */
export interface RegistryService {
  /** Where it answers, e.g. `http://127.0.0.1:4010`. */
  url: string;
  status(): ServiceStatus;
  /** From now on its exit is expected (Ctrl-C reaches every process at once): no restart follows. */
  stopRestarting(): void;
  stop(): Promise<void>;
}

export interface RegistryServiceOptions
  extends Pick<StackOptions, 'adminUrl' | 'passwordOf' | 'databasePrefix'> {
  /** 4010 under `npm start`; 0 for any free one (tests). */
  port: number;
  adminToken: string;
  usageSecret: string;
  env: (overrides: Record<string, string>) => NodeJS.ProcessEnv;
  output: OutputSink;
  restart?: RestartPolicy;
}

/**
 * Provisions the registry's database, starts `registry/src/main.ts` (which applies its migrations
 * before it listens) and, with a restart policy, restarts it when it exits. Rejects when it
 * cannot start; the launcher then runs the shop without it.
 */
export async function startRegistryService(options: RegistryServiceOptions): Promise<RegistryService> {
  const databaseUrl = (await provisionDatabases({ ...options, subgraphs: [REGISTRY] })).get(REGISTRY.name);
  const start = (port: number) =>
    startServiceProcess(REGISTRY.name, join(ROOT, REGISTRY.dir, 'src/main.ts'), {
      output: options.output,
      env: options.env({
        PORT: String(port),
        DATABASE_URL: databaseUrl as string,
        REGISTRY_ADMIN_TOKEN: options.adminToken,
        USAGE_SECRET: options.usageSecret,
      }),
    });
  const first = await start(options.port);
  const supervised: SupervisedService | undefined = options.restart
    ? supervise(first, { start, policy: options.restart, output: options.output })
    : undefined;
  return {
    url: `http://127.0.0.1:${first.port}`,
    status: () => supervised?.status() ?? unsupervisedStatus(first),
    stopRestarting: () => supervised?.stopRestarting(),
    stop: () => supervised?.stop() ?? first.stop(),
  };
}
