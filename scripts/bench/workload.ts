import { clientOperation } from '@shop/devkit/operations';
import { type SeedPlan, seedIds } from '@shop/devkit/seed';

/** One request of the load: what is sent, and the operation it runs (for the per-operation counts). */
export interface WorkloadRequest {
  operation: string;
  body: string;
}

const request = (name: string, variables: Record<string, unknown>): WorkloadRequest => ({
  operation: name,
  body: JSON.stringify({ operationName: name, query: clientOperation(name), variables }),
});

const SEARCHES = [
  'oak',
  'steel kettle',
  'bamboo',
  'copper pan',
  'vintage',
  'linen',
  'compact walnut',
  'premium',
  'cork board',
  'rustic oak',
  'slate',
  'foldable',
];
const ORDERS = ['NEWEST', 'PRICE_ASC', 'PRICE_DESC', 'NAME'];

/** Requests of one operation, and its share of the load. */
export interface WorkloadShare {
  operation: string;
  share: number;
  requests: WorkloadRequest[];
  /** How requests are drawn: each as often (`uniform`), or the first far more often than the last (`zipf`, s = 1). */
  popularity: 'uniform' | 'zipf';
}

/**
 * The storefront's anonymous traffic over the seeded catalog: the home page (10%), category
 * pages in every order (25%), searches (15%) and product pages of `productPages` distinct
 * products (50%), as popular as shop products are: a few often, most rarely (Zipf's law, the
 * usual model of catalog traffic). Ids come from the seed (`seedIds`), so the load is the same
 * on every machine.
 */
export function storefrontMix(plan: SeedPlan, productPages = 2000): WorkloadShare[] {
  const categories = Array.from({ length: plan.categories }, (_, index) => seedIds.category(index));
  const stride = Math.max(1, Math.floor(plan.products / productPages));
  const products = Array.from({ length: Math.min(productPages, plan.products) }, (_, index) =>
    seedIds.product((index * stride) % plan.products),
  );
  return [
    { operation: 'HomePage', share: 0.1, requests: [request('HomePage', {})], popularity: 'uniform' },
    {
      operation: 'CategoryPage',
      share: 0.25,
      requests: categories.flatMap((categoryId) =>
        ORDERS.map((orderBy) => request('CategoryPage', { categoryId, orderBy })),
      ),
      popularity: 'uniform',
    },
    {
      operation: 'SearchResults',
      share: 0.15,
      requests: SEARCHES.map((search) => request('SearchResults', { search })),
      popularity: 'zipf',
    },
    {
      operation: 'ProductPage',
      share: 0.5,
      requests: products.map((id) => request('ProductPage', { id, reviewsFirst: 5 })),
      popularity: 'zipf',
    },
  ];
}

/** Draws requests from the mix at random, each operation as often as its share (a fixed seed: the same sequence each run). */
export function requestPicker(mix: readonly WorkloadShare[], seed = 7): () => WorkloadRequest {
  let state = seed;
  const random = () => {
    // mulberry32
    state = (state + 0x6d2b79f5) | 0;
    let t = Math.imul(state ^ (state >>> 15), 1 | state);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  const total = mix.reduce((sum, entry) => sum + entry.share, 0);
  // Cumulative Zipf weights per entry: rank r is drawn in proportion to 1/r.
  const cumulative = new Map(
    mix.map((entry) => {
      let sum = 0;
      return [
        entry,
        entry.requests.map((_, rank) => (sum += entry.popularity === 'zipf' ? 1 / (rank + 1) : 1)),
      ];
    }),
  );
  const drawFrom = (entry: WorkloadShare): number => {
    const weights = cumulative.get(entry) ?? [];
    const point = random() * (weights[weights.length - 1] ?? 0);
    let low = 0;
    let high = weights.length - 1;
    while (low < high) {
      const middle = (low + high) >> 1;
      if ((weights[middle] ?? 0) > point) high = middle;
      else low = middle + 1;
    }
    return low;
  };
  return () => {
    const point = random() * total;
    let reached = 0;
    const entry =
      mix.find((candidate) => {
        reached += candidate.share;
        return point < reached;
      }) ?? mix[mix.length - 1];
    const picked = entry ? entry.requests[drawFrom(entry)] : undefined;
    if (!picked) throw new Error('an empty workload');
    return picked;
  };
}

/** The single-subgraph operation of the gateway-hop comparison: a page of the catalog, products only. */
export const SINGLE_SUBGRAPH_OPERATION: WorkloadRequest = {
  operation: 'CatalogPage',
  body: JSON.stringify({
    operationName: 'CatalogPage',
    query:
      'query CatalogPage { products(first: 24, orderBy: PRICE_ASC) { totalCount edges { cursor node { id sku name description price { amount currency } weightGrams createdAt category { id name slug } } } pageInfo { hasNextPage endCursor } } }',
  }),
};
