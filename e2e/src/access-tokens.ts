import { createHash, createPrivateKey, generateKeyPairSync, type JsonWebKey, sign } from 'node:crypto';
import { DEFAULT_TOKEN_AUDIENCE, DEFAULT_TOKEN_ISSUER, ROLE_SCOPES, type Role } from '@shop/platform/auth';
import type { SigningKeyEntry } from '@shop/scripts/lib/secrets';

/** What a forged or test token claims; anything left out is what accounts would write. */
export interface TokenClaims {
  sub: string;
  role: Role;
  scope?: string;
  iss?: string;
  aud?: string;
  /** Seconds from now; negative for a token that has already expired. */
  expiresIn?: number;
}

/**
 * Access tokens made outside accounts, byte by byte, for tests of what the gateway accepts: with
 * the stack's own key (as accounts signs them, say already expired), with a key nobody
 * published, or with `alg: none`. Crafted by hand on purpose: an attacker does not use our library.
 */
export function accessTokenSignedWith(key: SigningKeyEntry | 'unpublished-key', claims: TokenClaims): string {
  const privateKey =
    key === 'unpublished-key'
      ? generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey.export({ format: 'jwk' })
      : key.privateKey;
  const header = { alg: 'ES256', typ: 'JWT', kid: thumbprint(privateKey) };
  const signingInput = `${encode(header)}.${encode(payload(claims))}`;
  const signature = sign('sha256', Buffer.from(signingInput), {
    key: createPrivateKey({ key: privateKey, format: 'jwk' }),
    dsaEncoding: 'ieee-p1363',
  });
  return `${signingInput}.${signature.toString('base64url')}`;
}

/** The same claims with `alg: none` and no signature. */
export function unsignedAccessToken(claims: TokenClaims): string {
  return `${encode({ alg: 'none', typ: 'JWT' })}.${encode(payload(claims))}.`;
}

function payload(claims: TokenClaims): Record<string, unknown> {
  const now = Math.floor(Date.now() / 1000);
  return {
    sub: claims.sub,
    role: claims.role,
    scope: claims.scope ?? ROLE_SCOPES[claims.role].join(' '),
    iss: claims.iss ?? DEFAULT_TOKEN_ISSUER,
    aud: claims.aud ?? DEFAULT_TOKEN_AUDIENCE,
    iat: now,
    exp: now + (claims.expiresIn ?? 3600),
  };
}

function encode(value: unknown): string {
  return Buffer.from(JSON.stringify(value)).toString('base64url');
}

/** The kid accounts gives a configured key without one (RFC 7638 thumbprint). */
function thumbprint(jwk: JsonWebKey): string {
  return createHash('sha256')
    .update(JSON.stringify({ crv: jwk.crv, kty: jwk.kty, x: jwk.x, y: jwk.y }))
    .digest('base64url');
}
