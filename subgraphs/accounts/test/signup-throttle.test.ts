import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { signUpThrottle, users } from '../src/db/schema';
import { type AccountsUnderTest, startAccounts } from './accounts-service';

let service: AccountsUnderTest;
const WINDOW_SECONDS = 3600;
const MAX_PER_ADDRESS = 3;

beforeAll(async () => {
  service = await startAccounts({
    signUpLimits: { maxPerAddress: MAX_PER_ADDRESS, windowSeconds: WINDOW_SECONDS },
  });
});
afterAll(() => service.stop());
// Each test starts with no sign-ups counted.
beforeEach(() => service.database.db.delete(signUpThrottle));

interface SignUpResponse {
  status: number;
  body: {
    data?: { signUp: { user: { email: string } } } | null;
    errors?: readonly { message: string; extensions?: Record<string, unknown> }[];
  };
}

const SIGN_UP = 'mutation ($input: SignUpInput!) { signUp(input: $input) { user { email } } }';

let made = 0;
/** A sign-up of a new email (or `email`) as the gateway forwards it, from `clientAddress`. */
const signUp = (
  clientAddress: string,
  input: Partial<{ email: string; password: string; name: string }> = {},
): Promise<SignUpResponse> => {
  made += 1;
  return service.post(
    SIGN_UP,
    {
      input: { email: `shopper-${made}@example.com`, password: 'a long password', name: 'Shopper', ...input },
    },
    { clientAddress },
  );
};

const codeOf = (response: SignUpResponse) => response.body.errors?.[0]?.extensions?.code ?? 'OK';

describe('sign-ups from one client address', () => {
  it('are refused with RATE_LIMITED past the limit, saying when to retry, and create no account', async () => {
    for (let attempt = 0; attempt < MAX_PER_ADDRESS; attempt += 1)
      expect(codeOf(await signUp('198.51.100.30'))).toBe('OK');
    const limited = await signUp('198.51.100.30', { email: 'one-too-many@example.com' });
    expect(limited.body.data).toBeNull();
    const error = limited.body.errors?.[0];
    expect(error?.extensions?.code).toBe('RATE_LIMITED');
    const retryAfter = Number(error?.extensions?.retryAfterSeconds);
    expect(retryAfter).toBeGreaterThan(WINDOW_SECONDS - 60);
    expect(retryAfter).toBeLessThanOrEqual(WINDOW_SECONDS);
    expect(error?.message).toBe(`Too many sign-ups from this address. Try again in ${retryAfter} seconds.`);
    const created = await service.database.db
      .select()
      .from(users)
      .where(sql`${users.email} = 'one-too-many@example.com'`);
    expect(created).toHaveLength(0);
  });

  it('do not stop other addresses, and an IPv6 /64 counts as one address', async () => {
    for (let attempt = 0; attempt < MAX_PER_ADDRESS; attempt += 1)
      await signUp(`2001:db8:5:6::${attempt + 1}`);
    expect(codeOf(await signUp('2001:db8:5:6:ffff::1'))).toBe('RATE_LIMITED');
    expect(codeOf(await signUp('2001:db8:5:7::1'))).toBe('OK');
    expect(codeOf(await signUp('198.51.100.31'))).toBe('OK');
  });

  it('count a taken email too (no testing emails for accounts past the limit), but not malformed input', async () => {
    await signUp('198.51.100.32', { email: 'taken@example.com' });
    for (let attempt = 0; attempt < 5; attempt += 1)
      expect(codeOf(await signUp('198.51.100.32', { password: 'short' }))).toBe('BAD_USER_INPUT');
    expect(codeOf(await signUp('198.51.100.32', { email: 'Taken@Example.com' }))).toBe('CONFLICT');
    expect(codeOf(await signUp('198.51.100.32'))).toBe('OK');
    expect(codeOf(await signUp('198.51.100.32', { email: 'TAKEN@example.com' }))).toBe('RATE_LIMITED');
  });

  it('count concurrent sign-ups exactly, as replicas sharing the database would', async () => {
    const outcomes = await Promise.all(Array.from({ length: 10 }, () => signUp('192.0.2.60')));
    const codes = outcomes.map(codeOf);
    expect(codes.filter((code) => code === 'OK')).toHaveLength(MAX_PER_ADDRESS);
    expect(codes.filter((code) => code === 'RATE_LIMITED')).toHaveLength(10 - MAX_PER_ADDRESS);
  });

  it('are allowed again once the window is over, and the table keeps no address in clear', async () => {
    for (let attempt = 0; attempt <= MAX_PER_ADDRESS; attempt += 1) await signUp('198.51.100.33');
    expect(codeOf(await signUp('198.51.100.33'))).toBe('RATE_LIMITED');
    expect(JSON.stringify(await service.database.db.select().from(signUpThrottle))).not.toMatch(/198\.51/);
    await service.database.db.update(signUpThrottle).set({
      windowStartedAt: sql`now() - ${WINDOW_SECONDS + 1} * interval '1 second'`,
    });
    expect(codeOf(await signUp('198.51.100.33'))).toBe('OK');
  });
});
