import { hmacSecretsEnv, MIN_GATEWAY_SECRET_LENGTH } from '@shop/platform/auth';
import { loadConfig, portEnv, postgresUrlEnv, serviceEnv } from '@shop/platform/config';
import { z } from 'zod';

export const registryEnv = z.object({
  ...serviceEnv,
  PORT: portEnv(4010),
  DATABASE_URL: postgresUrlEnv('postgres://postgres@127.0.0.1:5432/registry'),
  DATABASE_POOL_MAX: z.coerce.number().int().min(1).max(100).default(10),
  /**
   * The token that creates and revokes publish tokens and records usage from the CLI
   * (`npm run schema -- token create`). Unset: nobody can, and the registry says so at start.
   */
  REGISTRY_ADMIN_TOKEN: z
    .string()
    .default('')
    .refine(
      (value) => value === '' || value.length >= MIN_GATEWAY_SECRET_LENGTH,
      `must be at least ${MIN_GATEWAY_SECRET_LENGTH} characters long`,
    ),
  /** What gateways sign their usage reports with (their USAGE_REPORTING_SECRET); two during a rotation. */
  USAGE_SECRET: hmacSecretsEnv,
  /** Hourly usage older than this is deleted; checks cannot look further back. */
  USAGE_RETENTION_DAYS: z.coerce.number().int().min(1).max(3650).default(35),
  /** Largest request accepted (a publish carries one SDL); larger ones get 413 unread. */
  BODY_LIMIT_BYTES: z.coerce
    .number()
    .int()
    .min(64 * 1024)
    .default(2 * 1024 * 1024),
});

export type RegistryConfig = z.output<typeof registryEnv>;

export const loadRegistryConfig = (env: NodeJS.ProcessEnv = process.env): RegistryConfig =>
  loadConfig('registry', registryEnv, env);
