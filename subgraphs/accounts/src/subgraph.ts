import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { SubgraphDefinition } from '@shop/platform/service';
import { parse } from 'graphql';
import { type Context, createContext, type Tables } from './context';
import * as tables from './db/schema';
import type { LoginLimits } from './domain/login-throttle';
import type { SignUpLimits } from './domain/signup-throttle';
import { resolvers } from './resolvers';
import { type AccessTokenSettings, createAccessTokenIssuer } from './tokens/access-tokens';
import { jwksRoutes } from './tokens/jwks-route';
import type { SigningKeyRing } from './tokens/signing-keys';

export interface AccountsSettings {
  signingKeys: SigningKeyRing;
  accessTokens: AccessTokenSettings;
  loginLimits: LoginLimits;
  signUpLimits: SignUpLimits;
}

/** What the seeder and migrations need: the tables, without keys. */
export const accountsTables = {
  name: 'accounts',
  tables,
  migrationsFolder: fileURLToPath(new URL('../drizzle', import.meta.url)),
};

const typeDefs = parse(readFileSync(new URL('./schema.graphql', import.meta.url), 'utf8'));

export function createAccountsSubgraph(settings: AccountsSettings): SubgraphDefinition<Tables, Context> {
  const services = {
    tokens: createAccessTokenIssuer(settings.signingKeys, settings.accessTokens),
    loginLimits: settings.loginLimits,
    signUpLimits: settings.signUpLimits,
  };
  return {
    ...accountsTables,
    typeDefs,
    resolvers,
    createContext: (scope) => createContext(scope, services),
    routes: jwksRoutes(settings.signingKeys),
  };
}
