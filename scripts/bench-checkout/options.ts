import { z } from 'zod';
import { readFlags } from '../lib/cli-flags';

export type Transport = 'pg-boss' | 'nats';

export interface CheckoutBenchOptions {
  /** placeOrder calls per second, sent at a steady pace whatever the answers take. */
  rate: number;
  /** Seconds of measured load per transport. */
  durationSeconds: number;
  /** Seconds of load before measuring (cold code paths, connection pools). */
  warmupSeconds: number;
  /** How long to wait, after the last placeOrder, for the orders still in their saga. */
  drainSeconds: number;
  transports: Transport[];
  /** Processes each of orders, inventory and payments runs as, one arm per count. */
  replicas: number[];
  /** Each arm this many times, the order reversed every other round (ABBA): the machine's speed drifts. */
  rounds: number;
  natsUrl: string;
  jsonPath?: string;
  /** Where each service writes a `--cpu-prof` profile (`<dir>/<arm>-<service>/`), summarized at the end. */
  profileDir?: string;
}

const optionsSchema = z.object({
  rate: z.coerce.number().min(0.5).max(1000).default(20),
  duration: z.coerce.number().int().min(1).max(600).default(10),
  warmup: z.coerce.number().int().min(0).max(60).default(2),
  drain: z.coerce.number().int().min(1).max(600).default(30),
  transports: z
    .string()
    .default('pg-boss,nats')
    .transform((value) => value.split(',').map((item) => item.trim()))
    .pipe(z.array(z.enum(['pg-boss', 'nats'])).min(1)),
  replicas: z
    .string()
    .default('1')
    .transform((value) => value.split(',').map((item) => Number(item.trim())))
    .pipe(z.array(z.number().int().min(1).max(4)).min(1)),
  rounds: z.coerce.number().int().min(1).max(10).default(1),
  'nats-url': z.string().min(1).optional(),
  json: z.string().min(1).optional(),
  profile: z.string().min(1).optional(),
});

/**
 * `--rate 20 --duration 10 --warmup 2 --drain 30 --transports pg-boss,nats --replicas 1,2 --rounds 2 --nats-url nats://… --json out.json --profile dir`;
 * exits 2 on a bad command line.
 */
export function readCheckoutBenchOptions(
  argv: readonly string[],
  configuredNatsUrl: string | undefined,
): CheckoutBenchOptions {
  const options = readFlags(argv, optionsSchema, 'bench:checkout');
  return {
    rate: options.rate,
    durationSeconds: options.duration,
    warmupSeconds: options.warmup,
    drainSeconds: options.drain,
    transports: [...new Set(options.transports)],
    replicas: [...new Set(options.replicas)],
    rounds: options.rounds,
    natsUrl: options['nats-url'] ?? (configuredNatsUrl || 'nats://127.0.0.1:4222'),
    ...(options.json ? { jsonPath: options.json } : {}),
    ...(options.profile ? { profileDir: options.profile } : {}),
  };
}
