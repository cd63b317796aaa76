import { join } from 'node:path';
import { loadConfig, portEnv, serviceEnv } from '@shop/platform/config';
import { z } from 'zod';
import { ROOT } from './lib/services';

const launcherEnv = z.object({
  NODE_ENV: serviceEnv.NODE_ENV,
  LOG_LEVEL: serviceEnv.LOG_LEVEL,
  /** Where the embedded mode keeps its database, keys and secrets between starts. */
  DATA_DIR: z.string().min(1).default(join(ROOT, '.data')),
  /** Port of the embedded Postgres server (127.0.0.1 only). */
  EMBEDDED_POSTGRES_PORT: portEnv(54329),
  /**
   * An existing Postgres server to use instead of the embedded one: a superuser URL. Each
   * service gets its own database and role on it. No demo data is seeded then.
   */
  DATABASE_URL: z
    .string()
    .regex(/^postgres(ql)?:\/\/.+/, 'must be a postgres:// connection URL')
    .optional(),
  /**
   * NATS JetStream as the event bus instead of pg-boss (passed on to the services); the
   * checkout benchmark's NATS server (default `nats://127.0.0.1:4222`).
   */
  NATS_URL: z.string().trim().optional(),
  /** Port of the launcher's own /health (127.0.0.1 only): each service's state and restarts. */
  LAUNCHER_HEALTH_PORT: portEnv(4090),
  /** Port of the storefront web app; the gateway's CORS_ORIGINS gets its origins added. */
  STOREFRONT_PORT: portEnv(3000),
  /** Other browser origins the gateway allows (comma-separated), besides the storefront's. */
  CORS_ORIGINS: z.string().trim().default(''),
});

export type LauncherConfig = z.output<typeof launcherEnv>;

export function loadLauncherConfig(): LauncherConfig {
  return loadConfig('start', launcherEnv);
}

/** The environment a child service starts with: the launcher's own, plus what it decides for that service. */
export function childEnvironment(overrides: Record<string, string>): NodeJS.ProcessEnv {
  return { ...process.env, ...overrides };
}

const registryCliEnv = z.object({
  /** The schema registry `npm run schema --` talks to. */
  REGISTRY_URL: z.url({ protocol: /^https?$/, message: 'must be an http(s) URL' }).optional(),
  /** A subgraph's publish token (publish, check) or the registry's admin token (token, usage record). */
  REGISTRY_TOKEN: z.string().default(''),
});

export type RegistryCliConfig = z.output<typeof registryCliEnv>;

export function loadRegistryCliConfig(): RegistryCliConfig {
  return loadConfig('schema', registryCliEnv);
}

const screenshotEnv = z.object({
  /** The storefront `npm run screenshot:storefront` pictures; default the one `npm start` serves (STOREFRONT_PORT). */
  STOREFRONT_URL: z.url({ protocol: /^https?$/, message: 'must be an http(s) URL' }).optional(),
});

export type ScreenshotConfig = z.output<typeof screenshotEnv>;

export function loadScreenshotConfig(): ScreenshotConfig {
  return loadConfig('screenshot', screenshotEnv);
}
