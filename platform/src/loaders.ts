import DataLoader from 'dataloader';
import type { Page } from './pagination';

/**
 * A DataLoader that fetches every key of one tick with a single `fetch(keys)` and hands each
 * caller its own row (or null). The cure for N+1: n references cost one query, not n.
 */
export function createBatchLoader<TKey, TRow>(
  fetch: (keys: readonly TKey[]) => Promise<readonly TRow[]>,
  keyOf: (row: TRow) => TKey,
): DataLoader<TKey, TRow | null> {
  return new DataLoader<TKey, TRow | null>(async (keys) => {
    const rows = await fetch(keys);
    const byKey = new Map(rows.map((row) => [keyOf(row), row]));
    return keys.map((key) => byKey.get(key) ?? null);
  });
}

/** Like `createBatchLoader`, for relations where a key has many rows (a product's reviews). */
export function createGroupLoader<TKey, TRow>(
  fetch: (keys: readonly TKey[]) => Promise<readonly TRow[]>,
  keyOf: (row: TRow) => TKey,
): DataLoader<TKey, TRow[]> {
  return new DataLoader<TKey, TRow[]>(async (keys) => {
    const rows = await fetch(keys);
    const groups = new Map<TKey, TRow[]>(keys.map((key) => [key, []]));
    for (const row of rows) groups.get(keyOf(row))?.push(row);
    return keys.map((key) => groups.get(key) ?? []);
  });
}

/** A key of a page loader: whose list, and which page of it. */
export interface PageKey<TCursor> {
  parentId: string;
  page: Page<TCursor>;
}

/**
 * Pages of a list that hangs off many parents (each product's reviews): every parent asking
 * for the same page (`first`, `after`) in one tick is served by one `fetch(parentIds, page)`,
 * which returns up to `first + 1` rows per parent.
 */
export function createPageLoader<TCursor, TRow>(
  fetch: (parentIds: readonly string[], page: Page<TCursor>) => Promise<readonly TRow[]>,
  parentOf: (row: TRow) => string,
): DataLoader<PageKey<TCursor>, TRow[], string> {
  const keyOf = (parentId: string, page: Page<TCursor>) =>
    `${parentId}|${page.first}|${JSON.stringify(page.after)}`;
  return new DataLoader<PageKey<TCursor>, TRow[], string>(
    async (keys) => {
      const parentsByPage = new Map<string, { page: Page<TCursor>; parentIds: string[] }>();
      for (const { parentId, page } of keys) {
        const pageKey = keyOf('', page);
        const group = parentsByPage.get(pageKey);
        if (group) group.parentIds.push(parentId);
        else parentsByPage.set(pageKey, { page, parentIds: [parentId] });
      }
      const rows = new Map<string, TRow[]>();
      await Promise.all(
        [...parentsByPage.values()].map(async ({ page, parentIds }) => {
          for (const row of await fetch(parentIds, page)) {
            const key = keyOf(parentOf(row), page);
            const list = rows.get(key);
            if (list) list.push(row);
            else rows.set(key, [row]);
          }
        }),
      );
      return keys.map(({ parentId, page }) => rows.get(keyOf(parentId, page)) ?? []);
    },
    { cacheKeyFn: ({ parentId, page }) => keyOf(parentId, page) },
  );
}
