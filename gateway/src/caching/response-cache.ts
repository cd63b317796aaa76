import { createHash } from 'node:crypto';
import { HeaderMap, type HTTPGraphQLRequest, type HTTPGraphQLResponse } from '@apollo/server';
import type { Caller } from '@shop/platform/auth';
import type { Metrics } from '@shop/platform/metrics';
import type { ResponseStore } from './response-store';

/** A response as kept in the store. */
interface CachedResponse {
  status: number;
  headers: [string, string][];
  body: string;
  /** When it was made (ms since the epoch): the `age` it is served with. */
  storedAt: number;
}

const PUBLIC_CACHE_CONTROL = /^max-age=(\d+), public$/;
const CACHE_NAME = 'gateway_response';

/**
 * The whole-response cache. Only what every subgraph involved declared public, through its
 * `@cacheControl` hints (which reach the gateway as each subgraph response's `Cache-Control`,
 * and come out as the response's own), is kept: a query whose answer has no error, is
 * `max-age=N, public`, N > 0. It is kept for N seconds, never more than `maxAgeSeconds`.
 * Anything private, uncacheable or erroneous is never stored, so one user's data cannot reach
 * another. Entries are also keyed by the caller's access profile (anonymous, or role and
 * scopes) and the supergraph version: even data a subgraph forgot to mark private is shared
 * only among callers who may see the same fields, and a new supergraph starts afresh.
 *
 * Identical requests that miss together are answered once: the others wait for the first, and
 * take its answer if it was cacheable (otherwise each runs its own).
 */
export class ResponseCache {
  private readonly inFlight = new Map<string, Promise<CachedResponse | null>>();

  constructor(
    private readonly store: ResponseStore,
    private readonly maxAgeSeconds: number,
    private readonly metrics: Metrics,
  ) {}

  /**
   * Answers `request` from the cache, or runs `execute` and keeps its answer if it may.
   * `version` names what the answer depends on beyond the request (the supergraph served).
   */
  async serve(
    request: HTTPGraphQLRequest,
    caller: Caller | null,
    version: string,
    execute: () => Promise<HTTPGraphQLResponse>,
  ): Promise<HTTPGraphQLResponse> {
    const key = cacheKey(request, caller, version);
    if (key === null) return execute();
    const stored = await this.store.get(key);
    if (stored !== undefined) {
      this.count('hit');
      return toResponse(JSON.parse(stored) as CachedResponse);
    }
    const pending = this.inFlight.get(key);
    if (pending) {
      const shared = await pending;
      if (shared) {
        this.count('hit');
        return toResponse(shared);
      }
      this.count('miss');
      return execute();
    }
    this.count('miss');
    let settle: (cached: CachedResponse | null) => void = () => {};
    this.inFlight.set(
      key,
      new Promise((resolve) => {
        settle = resolve;
      }),
    );
    try {
      const response = await execute();
      const cacheable = this.cacheable(response);
      settle(cacheable?.entry ?? null);
      if (cacheable) {
        response.headers.set('cache-control', `max-age=${cacheable.ttlSeconds}, public`);
        await this.store.set(key, JSON.stringify(cacheable.entry), cacheable.ttlSeconds);
      }
      return response;
    } catch (error) {
      settle(null);
      throw error;
    } finally {
      this.inFlight.delete(key);
    }
  }

  close(): Promise<void> {
    return this.store.close();
  }

  private cacheable(response: HTTPGraphQLResponse): { entry: CachedResponse; ttlSeconds: number } | null {
    const status = response.status ?? 200;
    if (status !== 200 || response.body.kind !== 'complete') return null;
    const maxAge = Number(PUBLIC_CACHE_CONTROL.exec(response.headers.get('cache-control') ?? '')?.[1] ?? 0);
    if (maxAge <= 0) return null;
    const ttlSeconds = Math.min(maxAge, this.maxAgeSeconds);
    return {
      ttlSeconds,
      entry: {
        status,
        // What the client is told is what the cache does: at most the bound.
        headers: [...response.headers].map(([name, value]): [string, string] =>
          name === 'cache-control' ? [name, `max-age=${ttlSeconds}, public`] : [name, value],
        ),
        body: response.body.string,
        storedAt: Date.now(),
      },
    };
  }

  private count(result: 'hit' | 'miss'): void {
    this.metrics.cacheLookups.inc({ cache: CACHE_NAME, result });
  }
}

/** Null for what is never cached: anything but a JSON POST of one operation. */
function cacheKey(request: HTTPGraphQLRequest, caller: Caller | null, version: string): string | null {
  if (request.method !== 'POST') return null;
  const body = request.body;
  if (typeof body !== 'object' || body === null || Array.isArray(body)) return null;
  const { query, operationName, variables, extensions } = body as Record<string, unknown>;
  const profile = caller ? `${caller.role} ${[...caller.scopes].sort().join(' ')}` : 'anonymous';
  return createHash('sha256')
    .update(
      JSON.stringify([
        version,
        profile,
        request.headers.get('accept') ?? '',
        query ?? null,
        operationName ?? null,
        variables ?? null,
        extensions ?? null,
      ]),
    )
    .digest('base64url');
}

function toResponse(cached: CachedResponse): HTTPGraphQLResponse {
  const headers = new HeaderMap(cached.headers);
  headers.set('age', String(Math.max(0, Math.floor((Date.now() - cached.storedAt) / 1000))));
  return { status: cached.status, headers, body: { kind: 'complete', string: cached.body } };
}
