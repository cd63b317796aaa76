import { z } from 'zod';
import type { Transport } from '../bench-checkout/options';
import { readFlags } from '../lib/cli-flags';

export interface SubscriptionBenchOptions {
  /** Concurrent subscribers, each on a WebSocket of its own, each following an order of its own. */
  subscribers: number;
  /** placeOrder calls in flight at once while the orders are placed. */
  lanes: number;
  /** The most seconds the whole run may take once the system is up; what did not finish is reported. */
  timeoutSeconds: number;
  bus: Transport;
  natsUrl: string;
  jsonPath?: string;
}

const optionsSchema = z.object({
  subscribers: z.coerce.number().int().min(1).max(5000).default(1000),
  lanes: z.coerce.number().int().min(1).max(200).default(4),
  timeout: z.coerce.number().int().min(10).max(1800).default(300),
  bus: z.enum(['pg-boss', 'nats']).default('pg-boss'),
  'nats-url': z.string().min(1).optional(),
  json: z.string().min(1).optional(),
});

/** `--subscribers 1000 --lanes 4 --timeout 300 --bus pg-boss|nats --nats-url nats://… --json out.json`; exits 2 on a bad command line. */
export function readSubscriptionBenchOptions(
  argv: readonly string[],
  configuredNatsUrl: string | undefined,
): SubscriptionBenchOptions {
  const options = readFlags(argv, optionsSchema, 'bench:subscriptions');
  return {
    subscribers: options.subscribers,
    lanes: options.lanes,
    timeoutSeconds: options.timeout,
    bus: options.bus,
    natsUrl: options['nats-url'] ?? (configuredNatsUrl || 'nats://127.0.0.1:4222'),
    ...(options.json ? { jsonPath: options.json } : {}),
  };
}
