import type { Role } from './caller';
import { ROLE_SCOPES } from './scopes';

/**
 * The access token contract between accounts, which signs tokens, and the gateway, which
 * verifies them: a JWT signed with ES256 (header `kid`), with the claims below plus `iss`,
 * `aud`, `iat` and `exp`. Keys are published by accounts at `GET /.well-known/jwks.json`.
 */
export const ACCESS_TOKEN_ALGORITHM = 'ES256';
export const DEFAULT_TOKEN_ISSUER = 'shop-accounts';
export const DEFAULT_TOKEN_AUDIENCE = 'shop-supergraph';
export const DEFAULT_ACCESS_TOKEN_TTL_SECONDS = 3600;
export const JWKS_PATH = '/.well-known/jwks.json';

/** What an access token says about its user, beside the registered claims. */
export interface AccessTokenClaims {
  /** The user's id. */
  sub: string;
  role: Role;
  /** Space-separated scopes of the role (`ROLE_SCOPES`). */
  scope: string;
}

export function accessTokenClaims(user: { id: string; role: Role }): AccessTokenClaims {
  return { sub: user.id, role: user.role, scope: ROLE_SCOPES[user.role].join(' ') };
}
