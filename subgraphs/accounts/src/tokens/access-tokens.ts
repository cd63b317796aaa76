import { ACCESS_TOKEN_ALGORITHM, accessTokenClaims, type Role } from '@shop/platform/auth';
import { SignJWT } from 'jose';
import type { SigningKeyRing } from './signing-keys';

export interface AccessTokenSettings {
  issuer: string;
  audience: string;
  lifetimeSeconds: number;
}

export interface IssuedToken {
  token: string;
  expiresAt: Date;
}

/** Signs access tokens (the contract in `@shop/platform/auth`) with the ring's current key. */
export interface AccessTokenIssuer {
  issue(user: { id: string; role: Role }): Promise<IssuedToken>;
}

export function createAccessTokenIssuer(
  keys: SigningKeyRing,
  settings: AccessTokenSettings,
): AccessTokenIssuer {
  return {
    async issue(user) {
      const now = new Date();
      const key = keys.signingKey(now);
      const issuedAt = Math.floor(now.getTime() / 1000);
      const expiresAt = issuedAt + settings.lifetimeSeconds;
      const token = await new SignJWT({ ...accessTokenClaims(user) })
        .setProtectedHeader({ alg: ACCESS_TOKEN_ALGORITHM, kid: key.kid, typ: 'JWT' })
        .setIssuer(settings.issuer)
        .setAudience(settings.audience)
        .setIssuedAt(issuedAt)
        .setExpirationTime(expiresAt)
        .sign(key.privateKey);
      return { token, expiresAt: new Date(expiresAt * 1000) };
    },
  };
}
