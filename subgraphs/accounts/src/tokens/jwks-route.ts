import { JWKS_PATH } from '@shop/platform/auth';
import type { Routes } from '@shop/platform/http';
import { sendJson } from '@shop/platform/http';
import type { SigningKeyRing } from './signing-keys';

// Verifiers refetch when they meet an unknown kid; new keys are published before they sign.
const CACHE_SECONDS = 300;

/** `GET /.well-known/jwks.json`: the public keys verifiers check access tokens with. Open to anyone. */
export function jwksRoutes(keys: SigningKeyRing): Routes {
  return {
    [`GET ${JWKS_PATH}`]: (_req, res) => {
      res.setHeader('cache-control', `public, max-age=${CACHE_SECONDS}`);
      sendJson(res, 200, { keys: keys.publishedKeys().map((key) => key.publicJwk) });
    },
  };
}
