import { randomBytes } from 'node:crypto';
import { hash, verify } from '@node-rs/argon2';

/**
 * argon2id (the library's default algorithm) with OWASP's recommended cost: 19 MiB of memory,
 * 2 passes, 1 lane. Hashing runs on libuv's thread pool, so the event loop stays free.
 */
const ARGON2 = { memoryCost: 19_456, timeCost: 2, parallelism: 1 } as const;

export function hashPassword(password: string): Promise<string> {
  return hash(password, ARGON2);
}

// Made once, at start: checking against it costs what checking a real hash costs.
const throwawayHash = hashPassword(randomBytes(32).toString('base64url'));

/**
 * Whether `password` matches `passwordHash`. Without a hash (unknown email, an account with no
 * password) a throwaway hash is checked instead and the answer is no: both cases take as long
 * as a wrong password, so timing does not tell which emails have accounts.
 */
export async function verifyPassword(passwordHash: string | null, password: string): Promise<boolean> {
  const matches = await verify(passwordHash ?? (await throwawayHash), password).catch(() => false);
  return passwordHash !== null && matches;
}
