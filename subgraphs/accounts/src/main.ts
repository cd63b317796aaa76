import { runSubgraphCommand } from '@shop/platform/service';
import { config } from './config';
import { createAccountsSubgraph } from './subgraph';
import { generateSigningKey, SigningKeyRing } from './tokens/signing-keys';

// `start` (the default), `migrate` or `seed [--products N …]`: see runSubgraphCommand.
await runSubgraphCommand(import.meta.url, config, () => {
  // Without configured keys (a lone accounts while developing) a key made now signs until the next start.
  const keys = config.JWT_SIGNING_KEYS ?? [generateSigningKey()];
  return createAccountsSubgraph({
    signingKeys: new SigningKeyRing(keys, config.ACCESS_TOKEN_TTL_SECONDS),
    accessTokens: {
      issuer: config.JWT_ISSUER,
      audience: config.JWT_AUDIENCE,
      lifetimeSeconds: config.ACCESS_TOKEN_TTL_SECONDS,
    },
    loginLimits: {
      maxFailuresPerPair: config.LOGIN_MAX_FAILURES_PER_PAIR,
      maxFailuresPerAddress: config.LOGIN_MAX_FAILURES_PER_ADDRESS,
      emailFailuresBeforeDelay: config.LOGIN_EMAIL_FAILURES_BEFORE_DELAY,
      windowSeconds: config.LOGIN_FAILURE_WINDOW_SECONDS,
    },
    signUpLimits: {
      maxPerAddress: config.SIGNUP_MAX_PER_ADDRESS,
      windowSeconds: config.SIGNUP_WINDOW_SECONDS,
    },
  });
});
