import type { Logger } from '@shop/platform/logger';
import type { Metrics } from '@shop/platform/metrics';
import {
  createLocalJWKSet,
  type FlattenedJWSInput,
  type JSONWebKeySet,
  type JWTHeaderParameters,
} from 'jose';
import { Counter, Gauge } from 'prom-client';

export interface SigningKeysSettings {
  jwksUrl: string;
  /** How long a fetched key set is used before it is fetched again. */
  maxAgeMs: number;
  /** Least time between two fetches (an unknown `kid` asks for one). */
  refetchCooldownMs: number;
  timeoutMs: number;
}

/** No key set was ever fetched, or a token names a key that only a fetch that failed could tell about. */
export class SigningKeysUnavailable extends Error {}

interface FetchedKeys {
  verify: ReturnType<typeof createLocalJWKSet>;
  kids: ReadonlySet<string>;
  fetchedAt: number;
}

/**
 * The accounts service's public keys, for jose's `jwtVerify`. A key set older than its max age
 * is fetched again in the background; while that fails the last good set stays in use
 * (stale-if-error: an accounts outage must not log everyone out), with a warning and
 * `gateway_jwks_refresh_failures_total`. A token naming a `kid` the set lacks fetches it again
 * at once (key rotation), at most once per cooldown; a fetched set replaces the old one whole,
 * so a key the JWKS dropped stops verifying.
 */
export class SigningKeys {
  private current: FetchedKeys | null = null;
  private lastAttemptAt = Number.NEGATIVE_INFINITY;
  private inFlight: Promise<boolean> | null = null;
  private readonly failures: Counter;

  constructor(
    private readonly settings: SigningKeysSettings,
    private readonly logger: Logger,
    metrics: Metrics,
  ) {
    this.failures = new Counter({
      name: 'gateway_jwks_refresh_failures_total',
      help: 'Failed fetches of the JWKS; tokens are verified with the last keys fetched meanwhile.',
      registers: [metrics.registry],
    });
    const keys = this;
    new Gauge({
      name: 'gateway_jwks_age_seconds',
      help: 'Age of the key set access tokens are verified with (-1 before the first fetch).',
      registers: [metrics.registry],
      collect() {
        this.set(keys.current ? (Date.now() - keys.current.fetchedAt) / 1000 : -1);
      },
    });
  }

  /** The key for a token's header: jose's `jwtVerify` takes it as its key argument. */
  readonly keyFor = async (header: JWTHeaderParameters, token: FlattenedJWSInput) => {
    let keys = this.current;
    if (!keys) {
      if (!this.mayFetch() || !(await this.refresh()) || !this.current)
        throw new SigningKeysUnavailable('no signing keys could be fetched yet');
      keys = this.current;
    } else if (header.kid !== undefined && !keys.kids.has(header.kid) && this.mayFetch()) {
      // Perhaps a rotated-in key: fetch now, and if that fails the token may well be valid.
      if (!(await this.refresh()))
        throw new SigningKeysUnavailable(`cannot fetch the JWKS to find key ${header.kid}`);
      keys = this.current ?? keys;
    } else if (Date.now() - keys.fetchedAt > this.settings.maxAgeMs && this.mayFetch()) {
      void this.refresh();
    }
    return keys.verify(header, token);
  };

  private mayFetch(): boolean {
    return this.inFlight !== null || Date.now() - this.lastAttemptAt >= this.settings.refetchCooldownMs;
  }

  /** Fetches the key set (one fetch at a time, shared); true when it now holds a fresh one. */
  private refresh(): Promise<boolean> {
    this.inFlight ??= this.fetchKeys().finally(() => {
      this.inFlight = null;
    });
    return this.inFlight;
  }

  private async fetchKeys(): Promise<boolean> {
    this.lastAttemptAt = Date.now();
    try {
      const response = await fetch(this.settings.jwksUrl, {
        headers: { accept: 'application/json' },
        signal: AbortSignal.timeout(this.settings.timeoutMs),
      });
      if (!response.ok) throw new Error(`the JWKS answered ${response.status}`);
      const jwks = (await response.json()) as JSONWebKeySet;
      const verify = createLocalJWKSet(jwks);
      const wasStale = this.current !== null && Date.now() - this.current.fetchedAt > this.settings.maxAgeMs;
      this.current = {
        verify,
        kids: new Set(jwks.keys.flatMap((key) => (typeof key.kid === 'string' ? [key.kid] : []))),
        fetchedAt: Date.now(),
      };
      if (wasStale) this.logger.info('fetched the JWKS again: access tokens are verified with fresh keys');
      return true;
    } catch (error) {
      this.failures.inc();
      if (this.current)
        this.logger.warn(
          { err: error, keysAgeSeconds: Math.round((Date.now() - this.current.fetchedAt) / 1000) },
          'cannot fetch the JWKS: access tokens are verified with the last keys fetched',
        );
      else this.logger.error({ err: error }, 'cannot fetch the JWKS: access tokens cannot be verified');
      return false;
    }
  }
}
