import { nameBasedId } from '@shop/platform/ids';
import { z } from 'zod';

/**
 * How much demo data to make. Every service reads the same plan and derives the ids of the
 * others' rows from it (`seedIds`), so a review points at a product the catalog seeded
 * without either service reading the other's database.
 */
export interface SeedPlan {
  seed: number;
  categories: number;
  products: number;
  users: number;
  reviews: number;
  orders: number;
}

/** What `npm start` seeds on first start: small and quick. */
export const DEMO_SEED_PLAN: SeedPlan = {
  seed: 1,
  categories: 12,
  products: 300,
  users: 50,
  reviews: 1500,
  orders: 60,
};

const count = (max: number) => z.coerce.number().int().min(0).max(max);
const planSchema = z.object({
  seed: z.coerce.number().int().min(0).default(DEMO_SEED_PLAN.seed),
  categories: count(12).default(DEMO_SEED_PLAN.categories),
  products: count(1_000_000).default(DEMO_SEED_PLAN.products),
  users: count(1_000_000).min(2).default(DEMO_SEED_PLAN.users),
  reviews: count(10_000_000).default(DEMO_SEED_PLAN.reviews),
  orders: count(1_000_000).default(DEMO_SEED_PLAN.orders),
});

/** Reads `--products 10000 --users 2000 …` from command-line arguments. */
export function readSeedPlan(argv: readonly string[]): SeedPlan {
  const values: Record<string, string> = {};
  for (let i = 0; i < argv.length; i += 1) {
    const flag = argv[i];
    const value = argv[i + 1];
    if (!flag?.startsWith('--') || value === undefined) throw new Error(`unexpected argument: ${flag ?? ''}`);
    values[flag.slice(2)] = value;
    i += 1;
  }
  const unknown = Object.keys(values).filter((key) => !(key in planSchema.shape));
  if (unknown.length > 0)
    throw new Error(`unknown option --${unknown[0]}; known: ${Object.keys(planSchema.shape).join(', ')}`);
  const parsed = planSchema.safeParse(values);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new Error(`--${issue?.path.join('.')}: ${issue?.message}`);
  }
  return parsed.data;
}

export function seedPlanArgs(plan: SeedPlan): string[] {
  return Object.entries(plan).flatMap(([key, value]) => [`--${key}`, String(value)]);
}

/** Ids of seeded rows, the same in every service. Users 0 and 1 are the demo customers Alice and Bob. */
export const seedIds = {
  admin: () => nameBasedId('seed:admin'),
  user: (index: number) => nameBasedId(`seed:user:${index}`),
  category: (index: number) => nameBasedId(`seed:category:${index}`),
  product: (index: number) => nameBasedId(`seed:product:${index}`),
  review: (index: number) => nameBasedId(`seed:review:${index}`),
  order: (index: number) => nameBasedId(`seed:order:${index}`),
};

// The seeded categories' SKU prefixes, in category order (the catalog's seed names the categories).
const CATEGORY_SKU_PREFIXES = [
  'KIT',
  'GAR',
  'BOK',
  'TOY',
  'OUT',
  'OFF',
  'AUD',
  'LIT',
  'BTH',
  'PET',
  'SPO',
  'TOL',
];

/**
 * The SKU of seeded product `index`: the catalog gives it to the product, the warehouse
 * (inventory) keys its stock row by it. Products are spread over the categories in turn.
 */
export function seedProductSku(plan: Pick<SeedPlan, 'categories'>, index: number): string {
  const prefix = CATEGORY_SKU_PREFIXES[seedProductCategory(plan, index)] ?? 'SKU';
  return `${prefix}-${String(index + 1).padStart(6, '0')}`;
}

/** The index of the category seeded product `index` is listed in. */
export function seedProductCategory(plan: Pick<SeedPlan, 'categories'>, index: number): number {
  return index % Math.max(1, Math.min(plan.categories, CATEGORY_SKU_PREFIXES.length));
}

/** Inserts rows in chunks: one statement per chunk keeps a big seed fast without hitting Postgres' parameter limit. */
export async function insertInChunks<TRow>(
  rows: readonly TRow[],
  insert: (chunk: TRow[]) => Promise<unknown>,
  chunkSize = 2000,
): Promise<void> {
  for (let start = 0; start < rows.length; start += chunkSize) {
    await insert(rows.slice(start, start + chunkSize));
  }
}
