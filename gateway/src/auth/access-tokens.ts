import type { Caller } from '@shop/platform/auth';
import type { Logger } from '@shop/platform/logger';
import type { Metrics } from '@shop/platform/metrics';
import { errors, type JWTPayload, jwtVerify } from 'jose';
import { z } from 'zod';
import { SigningKeys, SigningKeysUnavailable } from './signing-keys';

export interface AccessTokenSettings {
  /** Where the signing keys are published; null when the supergraph has nowhere to get them from. */
  jwksUrl: string | null;
  issuer: string;
  audience: string;
  /** Least time between two fetches of the JWKS. */
  refetchCooldownMs: number;
  /** How long a fetched JWKS is used before it is fetched again (the last good one stays while that fails). */
  maxAgeMs: number;
}

/** Who the `Authorization` header proves the caller is (null: no header, anonymous), or why it proves nothing. */
export type Authentication =
  /** `expiresAt`: when the token stops being valid (ms since the epoch); null for an anonymous caller. */
  | { outcome: 'caller'; caller: Caller | null; expiresAt: number | null }
  | { outcome: 'invalid'; message: string }
  | { outcome: 'keys-unavailable' };

export type AccessTokenVerifier = (authorization: string | undefined) => Promise<Authentication>;

const ALGORITHMS = ['ES256'];
// Clocks of the accounts service and the gateway may differ a little.
const CLOCK_TOLERANCE_SECONDS = 5;

const accessTokenClaims = z.object({
  sub: z.string().min(1),
  role: z.enum(['CUSTOMER', 'ADMIN']),
  scope: z.string().default(''),
});

const JWKS_TIMEOUT_MS = 5_000;

/**
 * Verifies bearer tokens against the JWKS (see SigningKeys: cached, fetched again for an unknown
 * `kid` at most once per cooldown, so a stream of tokens with made-up `kid`s cannot make the
 * gateway hammer the accounts service, and kept while the accounts service cannot be reached).
 */
export function createAccessTokenVerifier(
  settings: AccessTokenSettings,
  logger: Logger,
  metrics: Metrics,
): AccessTokenVerifier {
  const keys = settings.jwksUrl
    ? new SigningKeys(
        {
          jwksUrl: settings.jwksUrl,
          maxAgeMs: settings.maxAgeMs,
          refetchCooldownMs: settings.refetchCooldownMs,
          timeoutMs: JWKS_TIMEOUT_MS,
        },
        logger,
        metrics,
      ).keyFor
    : null;
  return async (authorization) => {
    if (authorization === undefined || authorization.trim() === '')
      return { outcome: 'caller', caller: null, expiresAt: null };
    const match = /^Bearer\s+([A-Za-z0-9_.~+/=-]+)\s*$/i.exec(authorization);
    if (!match?.[1]) return invalid('The Authorization header must be "Bearer <token>".');
    if (!keys) return invalid('Access tokens cannot be verified by this gateway.');
    let payload: JWTPayload;
    try {
      ({ payload } = await jwtVerify(match[1], keys, {
        algorithms: ALGORITHMS,
        issuer: settings.issuer,
        audience: settings.audience,
        clockTolerance: CLOCK_TOLERANCE_SECONDS,
        requiredClaims: ['exp', 'sub'],
      }));
    } catch (error) {
      if (error instanceof errors.JWTExpired) return invalid('The access token has expired.');
      // Our failure, not the client's: the token may well be valid (SigningKeys logged why).
      if (error instanceof SigningKeysUnavailable) return { outcome: 'keys-unavailable' };
      if (!(error instanceof errors.JOSEError)) {
        logger.error({ err: error }, 'cannot verify an access token');
        return { outcome: 'keys-unavailable' };
      }
      return invalid('The access token is not valid.');
    }
    const claims = accessTokenClaims.safeParse(payload);
    if (!claims.success) return invalid('The access token is not valid.');
    return {
      outcome: 'caller',
      // `exp` is required above; the same tolerance as jwtVerify's, so a token is used for as long as it is accepted.
      expiresAt: ((payload.exp as number) + CLOCK_TOLERANCE_SECONDS) * 1000,
      caller: {
        userId: claims.data.sub,
        role: claims.data.role,
        scopes: claims.data.scope.split(' ').filter((scope) => scope.length > 0),
      },
    };
  };
}

function invalid(message: string): Authentication {
  return { outcome: 'invalid', message };
}
