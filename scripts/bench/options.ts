import { z } from 'zod';

const seconds = (fallback: number, max: number) => z.coerce.number().int().min(1).max(max).default(fallback);

const optionsSchema = z.object({
  duration: seconds(10, 120),
  warmup: seconds(3, 60),
  rounds: z.coerce.number().int().min(1).max(10).default(2),
  connections: z.coerce.number().int().min(1).max(512).default(32),
  'hop-connections': z.coerce.number().int().min(1).max(512).default(4),
  workers: z.coerce.number().int().min(1).max(64).default(1),
  products: z.coerce.number().int().min(100).max(1_000_000).default(10_000),
  users: z.coerce.number().int().min(2).max(1_000_000).default(2000),
  reviews: z.coerce.number().int().min(0).max(10_000_000).default(100_000),
  'product-pages': z.coerce.number().int().min(1).max(1_000_000).default(2000),
  json: z.string().min(1).optional(),
  profile: z.string().min(1).optional(),
});

export interface BenchOptions {
  durationSeconds: number;
  warmupSeconds: number;
  /** Times each storefront arm is measured, in alternating order. */
  rounds: number;
  connections: number;
  hopConnections: number;
  workers: number;
  products: number;
  users: number;
  reviews: number;
  productPages: number;
  jsonPath?: string;
  profileDir?: string;
}

/** `--duration 10 --warmup 3 --connections 32 --json out.json --profile dir …`; exits 2 on a bad command line. */
export function readBenchOptions(argv: readonly string[]): BenchOptions {
  const values: Record<string, string> = {};
  for (let i = 0; i < argv.length; i += 2) {
    const flag = argv[i];
    const value = argv[i + 1];
    if (!flag?.startsWith('--') || value === undefined) fail(`unexpected argument: ${flag ?? ''}`);
    values[flag.slice(2)] = value;
  }
  const unknown = Object.keys(values).filter((key) => !(key in optionsSchema.shape));
  if (unknown.length > 0)
    fail(`unknown option --${unknown[0]}; known: ${Object.keys(optionsSchema.shape).join(', ')}`);
  const parsed = optionsSchema.safeParse(values);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    fail(`--${issue?.path.join('.')}: ${issue?.message}`);
  }
  const options = parsed.data;
  return {
    durationSeconds: options.duration,
    warmupSeconds: options.warmup,
    rounds: options.rounds,
    connections: options.connections,
    hopConnections: options['hop-connections'],
    workers: options.workers,
    products: options.products,
    users: options.users,
    reviews: options.reviews,
    productPages: options['product-pages'],
    ...(options.json ? { jsonPath: options.json } : {}),
    ...(options.profile ? { profileDir: options.profile } : {}),
  };
}

function fail(message: string): never {
  console.error(`npm run bench: ${message}`);
  process.exit(2);
}
