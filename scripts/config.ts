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
});

export type LauncherConfig = z.output<typeof launcherEnv>;

export function loadLauncherConfig(): LauncherConfig {
  return loadConfig('start', launcherEnv);
}

/** The environment a child service starts with: the launcher's own, plus what it decides for that service. */
export function childEnvironment(overrides: Record<string, string>): NodeJS.ProcessEnv {
  return { ...process.env, ...overrides };
}
