import { defineSubgraph, type SubgraphContext } from '@shop/platform/service';
import type { Tables } from './db/database';
import type { LoginLimits } from './domain/login-throttle';
import type { SignUpLimits } from './domain/signup-throttle';
import { createLoaders } from './loaders';
import {
  type AccessTokenIssuer,
  type AccessTokenSettings,
  createAccessTokenIssuer,
} from './tokens/access-tokens';
import { jwksRoutes } from './tokens/jwks-route';
import type { SigningKeyRing } from './tokens/signing-keys';

export interface AccountsSettings {
  signingKeys: SigningKeyRing;
  accessTokens: AccessTokenSettings;
  loginLimits: LoginLimits;
  signUpLimits: SignUpLimits;
}

/** What accounts is started with, beside its database: the same for every request. */
export interface AccountsServices {
  tokens: AccessTokenIssuer;
  loginLimits: LoginLimits;
  signUpLimits: SignUpLimits;
}

// SDL, resolvers, tables and migrations are found by their places (see defineSubgraph).
export function createAccountsSubgraph(settings: AccountsSettings) {
  const services: AccountsServices = {
    tokens: createAccessTokenIssuer(settings.signingKeys, settings.accessTokens),
    loginLimits: settings.loginLimits,
    signUpLimits: settings.signUpLimits,
  };
  return defineSubgraph(import.meta.url, {
    loaders: createLoaders,
    services,
    routes: jwksRoutes(settings.signingKeys),
  });
}

export type Context = SubgraphContext<Tables, ReturnType<typeof createLoaders>, AccountsServices>;
