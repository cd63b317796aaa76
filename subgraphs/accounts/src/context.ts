import type { Database } from '@shop/platform/db';
import type { RequestScope } from '@shop/platform/service';
import type * as tables from './db/schema';
import type { LoginLimits } from './domain/login-throttle';
import type { SignUpLimits } from './domain/signup-throttle';
import { createLoaders, type Loaders } from './loaders';
import type { AccessTokenIssuer } from './tokens/access-tokens';

export type Tables = typeof tables;
/** The accounts database, or a transaction on it. */
export type Db = Database<Tables>;

/** What accounts is started with, beside its database: the same for every request. */
export interface AccountsServices {
  tokens: AccessTokenIssuer;
  loginLimits: LoginLimits;
  signUpLimits: SignUpLimits;
}

export interface Context extends RequestScope<Tables>, AccountsServices {
  loaders: Loaders;
}

export function createContext(scope: RequestScope<Tables>, services: AccountsServices): Context {
  return { ...scope, ...services, loaders: createLoaders(scope.db) };
}
