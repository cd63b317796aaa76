import type { z } from 'zod';
import { badUserInput } from './errors';

/** The largest page any connection serves (README.md, "A tour of the API"): a larger `first` is a BAD_USER_INPUT, not a silent cap. */
export const MAX_PAGE_SIZE = 100;
export const DEFAULT_PAGE_SIZE = 20;

export interface PageArgs {
  first?: number | null;
  after?: string | null;
}

export interface Page<TCursor> {
  first: number;
  after: TCursor | null;
}

export interface Edge<TNode> {
  cursor: string;
  node: TNode;
}

export interface PageInfo {
  hasNextPage: boolean;
  hasPreviousPage: boolean;
  startCursor: string | null;
  endCursor: string | null;
}

/** A Relay connection. `totalCount` may be a function so the count query runs only when a client asks for it. */
export interface Connection<TNode> {
  edges: Edge<TNode>[];
  pageInfo: PageInfo;
  totalCount: number | (() => Promise<number>);
}

/**
 * Validates `first` and `after`. The cursor is opaque to clients; inside it is the sort key of
 * the last row seen, checked against `cursorSchema` so a forged or stale cursor is a clear
 * BAD_USER_INPUT instead of a database error.
 */
export function readPageArgs<TCursor>(
  args: PageArgs,
  cursorSchema: z.ZodType<TCursor>,
  defaultFirst: number = DEFAULT_PAGE_SIZE,
): Page<TCursor> {
  const first = args.first ?? defaultFirst;
  if (!Number.isInteger(first) || first < 0 || first > MAX_PAGE_SIZE) {
    throw badUserInput('first', `first must be between 0 and ${MAX_PAGE_SIZE}.`);
  }
  if (args.after === undefined || args.after === null) return { first, after: null };
  const decoded = cursorSchema.safeParse(decodeCursor(args.after));
  if (!decoded.success) throw badUserInput('after', 'after is not a valid cursor for this list.');
  return { first, after: decoded.data };
}

export function encodeCursor(value: unknown): string {
  return Buffer.from(JSON.stringify(value)).toString('base64url');
}

function decodeCursor(cursor: string): unknown {
  try {
    return JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
  } catch {
    return undefined;
  }
}

/**
 * Builds the page from rows fetched with `limit first + 1`: the extra row only tells that
 * there is a next page.
 */
export function toConnection<TRow, TNode = TRow>(
  rows: readonly TRow[],
  page: Page<unknown>,
  cursorOf: (row: TRow) => unknown,
  totalCount: Connection<TNode>['totalCount'],
  toNode: (row: TRow) => TNode = (row) => row as unknown as TNode,
): Connection<TNode> {
  const visible = rows.slice(0, page.first);
  const edges = visible.map((row) => ({ cursor: encodeCursor(cursorOf(row)), node: toNode(row) }));
  return {
    edges,
    pageInfo: {
      hasNextPage: rows.length > page.first,
      hasPreviousPage: page.after !== null,
      startCursor: edges[0]?.cursor ?? null,
      endCursor: edges.at(-1)?.cursor ?? null,
    },
    totalCount,
  };
}
