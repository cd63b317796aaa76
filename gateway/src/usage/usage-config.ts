import { MIN_GATEWAY_SECRET_LENGTH } from '@shop/platform/auth';
import { z } from 'zod';

/**
 * Usage reporting to the schema registry (docs/schema-registry.md): on when REGISTRY_URL and
 * USAGE_REPORTING_SECRET are both set. Reports leave in batches, off the request path.
 */
export const gatewayUsageEnv = {
  /** The schema registry (`http://127.0.0.1:4010`): usage reports go to its `/usage`. */
  REGISTRY_URL: z.url({ protocol: /^https?$/, message: 'must be an http(s) URL' }).optional(),
  /** What reports are signed with: one of the registry's USAGE_SECRET. */
  USAGE_REPORTING_SECRET: z
    .string()
    .default('')
    .refine((value) => value === '' || value.length >= MIN_GATEWAY_SECRET_LENGTH, {
      message: `must be at least ${MIN_GATEWAY_SECRET_LENGTH} characters long`,
    }),
  /** How often the batch of usage gathered in memory is sent. */
  USAGE_REPORT_INTERVAL_SECONDS: z.coerce.number().min(0.05).max(3600).default(20),
  /** Longest a report may take before it is given up (and its usage counted as dropped). */
  USAGE_REPORT_TIMEOUT_MS: z.coerce.number().int().min(10).max(60_000).default(5000),
  /** Most distinct operation and client pairs one batch holds; usage past it is dropped (and counted). */
  USAGE_MAX_BATCH_ENTRIES: z.coerce.number().int().min(1).max(100_000).default(5000),
};
