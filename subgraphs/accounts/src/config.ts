import {
  DEFAULT_ACCESS_TOKEN_TTL_SECONDS,
  DEFAULT_TOKEN_AUDIENCE,
  DEFAULT_TOKEN_ISSUER,
} from '@shop/platform/auth';
import { loadConfig } from '@shop/platform/config';
import { subgraphEnv } from '@shop/platform/service';
import { z } from 'zod';
import { MIN_PASSWORD_LENGTH } from './domain/credentials';
import { signingKeyConfig, signingKeyFrom } from './tokens/signing-keys';

const count = (defaultValue: number, max: number) =>
  z.coerce.number().int().min(1).max(max).default(defaultValue);

/**
 * `JWT_SIGNING_KEYS`: a JSON array of `{ kid?, activeFrom?, privateKey }`, `privateKey` an ES256
 * (P-256) key as a JWK or PKCS#8 PEM. The newest active key signs; see `SigningKeyRing`.
 */
const signingKeysEnv = z
  .string()
  .optional()
  .transform((value, context) => {
    if (value === undefined || value.trim() === '') return undefined;
    try {
      return JSON.parse(value) as unknown;
    } catch {
      context.addIssue({ code: 'custom', message: 'must be a JSON array of keys' });
      return z.NEVER;
    }
  })
  .pipe(z.array(signingKeyConfig).min(1, 'must list at least one key').optional())
  .transform((keys, context) => {
    try {
      return keys?.map(signingKeyFrom);
    } catch (error) {
      context.addIssue({ code: 'custom', message: (error as Error).message });
      return z.NEVER;
    }
  });

const accountsEnv = z
  .object({
    ...subgraphEnv({ port: 4001, database: 'accounts' }),
    /** ES256 keys that sign access tokens, a JSON array (see signingKeysEnv); required in production. */
    JWT_SIGNING_KEYS: signingKeysEnv,
    /** The `iss` access tokens carry (the gateway checks the same). */
    JWT_ISSUER: z.string().min(1).default(DEFAULT_TOKEN_ISSUER),
    /** The `aud` access tokens carry (the gateway checks the same). */
    JWT_AUDIENCE: z.string().min(1).default(DEFAULT_TOKEN_AUDIENCE),
    /** How long an access token lives. */
    ACCESS_TOKEN_TTL_SECONDS: count(DEFAULT_ACCESS_TOKEN_TTL_SECONDS, 7 * 24 * 3600),
    /** Failed log-ins for one email from one address (IPv6: /64) per window, then RATE_LIMITED. */
    LOGIN_MAX_FAILURES_PER_PAIR: count(5, 1000),
    /** Failed log-ins from one address across emails per window, then RATE_LIMITED. */
    LOGIN_MAX_FAILURES_PER_ADDRESS: count(20, 100_000),
    /** Failed log-ins for one email from anywhere per window after which attempts wait, longer each time (never a lock). */
    LOGIN_EMAIL_FAILURES_BEFORE_DELAY: count(10, 100_000),
    /** The window failed log-ins are counted in. */
    LOGIN_FAILURE_WINDOW_SECONDS: count(300, 24 * 3600),
    /** Sign-ups from one address (IPv6: /64) per window, then RATE_LIMITED. */
    SIGNUP_MAX_PER_ADDRESS: count(20, 100_000),
    /** The window sign-ups are counted in. */
    SIGNUP_WINDOW_SECONDS: count(3600, 7 * 24 * 3600),
    /** The seeded admin's password (demo data, never seeded with NODE_ENV=production). */
    SEED_ADMIN_PASSWORD: z
      .string()
      .min(MIN_PASSWORD_LENGTH, `must be at least ${MIN_PASSWORD_LENGTH} characters long`)
      .default('admin-password'),
  })
  .superRefine((env, context) => {
    const keys = env.JWT_SIGNING_KEYS;
    const problem =
      keys === undefined
        ? // A key made at start would sign tokens no other replica, and no restart, accepts.
          env.NODE_ENV === 'production' && 'is required when NODE_ENV=production'
        : (new Set(keys.map((key) => key.kid)).size !== keys.length && 'has two keys with the same kid') ||
          (!keys.some((key) => key.activeFrom <= new Date()) && 'has no key that is active yet');
    if (problem) context.addIssue({ code: 'custom', path: ['JWT_SIGNING_KEYS'], message: problem });
  });

export const config = loadConfig('accounts', accountsEnv);
