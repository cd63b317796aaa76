import { normalize } from 'node:path';

/** A request's path, percent-decoded and normalized, and its query. */
export interface RequestTarget {
  path: string;
  query: URLSearchParams;
}

/** The target of a request, or null when its URL is malformed (`/%E0` does not decode): a 400, not a crash. */
export function parseRequestTarget(url: string | undefined): RequestTarget | null {
  try {
    const parsed = new URL(url ?? '/', 'http://x');
    return { path: normalize(decodeURIComponent(parsed.pathname)), query: parsed.searchParams };
  } catch {
    return null;
  }
}
