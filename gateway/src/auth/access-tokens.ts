import type { Caller } from '@shop/platform/auth';
import type { Logger } from '@shop/platform/logger';
import { createRemoteJWKSet, errors, type JWTPayload, jwtVerify } from 'jose';
import { z } from 'zod';

export interface AccessTokenSettings {
  /** Where the signing keys are published; null when the supergraph has nowhere to get them from. */
  jwksUrl: string | null;
  issuer: string;
  audience: string;
  /** Least time between two fetches of the JWKS. */
  refetchCooldownMs: number;
}

/** Who the `Authorization` header proves the caller is (null: no header, anonymous), or why it proves nothing. */
export type Authentication =
  | { outcome: 'caller'; caller: Caller | null }
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

/**
 * Verifies bearer tokens against the JWKS. jose keeps the key set cached, fetches it again when
 * a token names a `kid` it does not know (key rotation), and at most once per cooldown, so a
 * stream of tokens with made-up `kid`s cannot make the gateway hammer the accounts service.
 */
export function createAccessTokenVerifier(
  settings: AccessTokenSettings,
  logger: Logger,
): AccessTokenVerifier {
  const keys = settings.jwksUrl
    ? createRemoteJWKSet(new URL(settings.jwksUrl), {
        cooldownDuration: settings.refetchCooldownMs,
        cacheMaxAge: 10 * 60_000,
        timeoutDuration: 5_000,
      })
    : null;
  return async (authorization) => {
    if (authorization === undefined || authorization.trim() === '')
      return { outcome: 'caller', caller: null };
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
      if (isKeySetUnavailable(error)) {
        // Our failure, not the client's: the token may well be valid.
        logger.error({ err: error }, 'cannot fetch the signing keys to verify an access token');
        return { outcome: 'keys-unavailable' };
      }
      return invalid('The access token is not valid.');
    }
    const claims = accessTokenClaims.safeParse(payload);
    if (!claims.success) return invalid('The access token is not valid.');
    return {
      outcome: 'caller',
      caller: {
        userId: claims.data.sub,
        role: claims.data.role,
        scopes: claims.data.scope.split(' ').filter((scope) => scope.length > 0),
      },
    };
  };
}

function isKeySetUnavailable(error: unknown): boolean {
  return (
    error instanceof errors.JWKSTimeout ||
    (error instanceof errors.JOSEError && error.code === 'ERR_JOSE_GENERIC') ||
    (error instanceof Error && !(error instanceof errors.JOSEError))
  );
}

function invalid(message: string): Authentication {
  return { outcome: 'invalid', message };
}
