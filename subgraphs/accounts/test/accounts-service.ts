import { startTestSubgraph, type TestSubgraph } from '@shop/devkit/testing';
import { DEFAULT_TOKEN_AUDIENCE, DEFAULT_TOKEN_ISSUER, JWKS_PATH } from '@shop/platform/auth';
import type { Tables } from '../src/db/database';
import type { LoginLimits } from '../src/domain/login-throttle';
import type { SignUpLimits } from '../src/domain/signup-throttle';
import type { Context } from '../src/subgraph';
import { createAccountsSubgraph } from '../src/subgraph';
import { generateSigningKey, type SigningKey, SigningKeyRing } from '../src/tokens/signing-keys';

export const TOKEN_LIFETIME_SECONDS = 3600;

export interface AccountsUnderTest extends TestSubgraph<Tables, Context> {
  jwksUrl: string;
}

/** accounts on a fresh database, with keys made for the test and the given log-in limits. */
export async function startAccounts(
  options: {
    loginLimits?: Partial<LoginLimits>;
    signUpLimits?: Partial<SignUpLimits>;
    keys?: SigningKey[];
  } = {},
): Promise<AccountsUnderTest> {
  const service = await startTestSubgraph(
    await createAccountsSubgraph({
      signingKeys: new SigningKeyRing(options.keys ?? [generateSigningKey()], TOKEN_LIFETIME_SECONDS),
      accessTokens: {
        issuer: DEFAULT_TOKEN_ISSUER,
        audience: DEFAULT_TOKEN_AUDIENCE,
        lifetimeSeconds: TOKEN_LIFETIME_SECONDS,
      },
      loginLimits: {
        maxFailuresPerPair: 5,
        maxFailuresPerAddress: 20,
        emailFailuresBeforeDelay: 1000,
        windowSeconds: 60,
        ...options.loginLimits,
      },
      signUpLimits: { maxPerAddress: 20, windowSeconds: 3600, ...options.signUpLimits },
    }),
  );
  return { ...service, jwksUrl: service.url.replace('/graphql', JWKS_PATH) };
}
