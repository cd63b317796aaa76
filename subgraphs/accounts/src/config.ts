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
    JWT_SIGNING_KEYS: signingKeysEnv,
    JWT_ISSUER: z.string().min(1).default(DEFAULT_TOKEN_ISSUER),
    JWT_AUDIENCE: z.string().min(1).default(DEFAULT_TOKEN_AUDIENCE),
    ACCESS_TOKEN_TTL_SECONDS: count(DEFAULT_ACCESS_TOKEN_TTL_SECONDS, 7 * 24 * 3600),
    LOGIN_MAX_FAILURES_PER_EMAIL: count(5, 1000),
    LOGIN_MAX_FAILURES_PER_ADDRESS: count(20, 100_000),
    LOGIN_FAILURE_WINDOW_SECONDS: count(60, 24 * 3600),
    SIGNUP_MAX_PER_ADDRESS: count(20, 100_000),
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
