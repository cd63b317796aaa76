import { performance } from 'node:perf_hooks';
import { DEMO_SEED_PLAN, seedIds } from '@shop/devkit/seed';
import { DEFAULT_TOKEN_AUDIENCE, DEFAULT_TOKEN_ISSUER, ROLE_SCOPES } from '@shop/platform/auth';
import { eq } from 'drizzle-orm';
import { createRemoteJWKSet, decodeProtectedHeader, jwtVerify } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { users } from '../src/db/schema';
import { seed } from '../src/db/seed';
import { type AccountsUnderTest, startAccounts, TOKEN_LIFETIME_SECONDS } from './accounts-service';

let service: AccountsUnderTest;

beforeAll(async () => {
  // Generous limits: these tests fail on purpose many times; the limits have their own tests.
  service = await startAccounts({ loginLimits: { maxFailuresPerPair: 1000, maxFailuresPerAddress: 1000 } });
  await seed(service.database.db, { ...DEMO_SEED_PLAN, users: 5 });
});
afterAll(() => service.stop());

interface AuthPayload {
  token: string;
  expiresAt: string;
  user: { id: string; email: string; name: string; role: string };
}

const SIGN_UP = /* GraphQL */ `
  mutation ($input: SignUpInput!) { signUp(input: $input) { token expiresAt user { id email name role } } }
`;
const LOG_IN = /* GraphQL */ `
  mutation ($email: String!, $password: String!) {
    logIn(email: $email, password: $password) { token expiresAt user { id email name role } }
  }
`;

const signUp = (input: { email: string; password: string; name: string }) =>
  service.execute<{ signUp: AuthPayload }>(SIGN_UP, { input });
const logIn = (email: string, password: string) =>
  service.execute<{ logIn: AuthPayload }>(LOG_IN, { email, password });

async function verify(token: string) {
  return jwtVerify(token, createRemoteJWKSet(new URL(service.jwksUrl)), {
    issuer: DEFAULT_TOKEN_ISSUER,
    audience: DEFAULT_TOKEN_AUDIENCE,
    algorithms: ['ES256'],
  });
}

describe('signUp', () => {
  it('creates a customer and logs them in with a token the JWKS verifies', async () => {
    const started = Math.floor(Date.now() / 1000);
    const result = await signUp({
      email: '  Carol@Example.COM ',
      password: 'a long password',
      name: ' Carol ',
    });
    expect(result.errors).toBeUndefined();
    const payload = result.data?.signUp;
    expect(payload?.user).toMatchObject({ email: 'carol@example.com', name: 'Carol', role: 'CUSTOMER' });
    const { payload: claims, protectedHeader } = await verify(payload?.token ?? '');
    expect(protectedHeader).toMatchObject({ alg: 'ES256', typ: 'JWT' });
    expect(protectedHeader.kid).toEqual(expect.any(String));
    expect(claims).toMatchObject({
      sub: payload?.user.id,
      role: 'CUSTOMER',
      scope: '',
      iss: DEFAULT_TOKEN_ISSUER,
      aud: DEFAULT_TOKEN_AUDIENCE,
    });
    expect(claims.iat).toBeGreaterThanOrEqual(started);
    expect((claims.exp ?? 0) - (claims.iat ?? 0)).toBe(TOKEN_LIFETIME_SECONDS);
    expect(new Date(payload?.expiresAt ?? 0).getTime()).toBe((claims.exp ?? 0) * 1000);
  });

  it('stores an argon2id hash, never the password', async () => {
    await signUp({ email: 'dave@example.com', password: 'correct horse battery', name: 'Dave' });
    const [row] = await service.database.db.select().from(users).where(eq(users.email, 'dave@example.com'));
    expect(row?.passwordHash).toMatch(/^\$argon2id\$v=19\$m=19456,t=2,p=1\$/);
    expect(row?.passwordHash).not.toContain('correct horse battery');
  });

  it('refuses an email that has an account, whatever its case or spacing, with CONFLICT', async () => {
    for (const email of ['alice@shop.test', ' ALICE@Shop.Test ']) {
      const result = await signUp({ email, password: 'another password', name: 'Not Alice' });
      expect(result.errors?.[0]?.extensions).toMatchObject({ code: 'CONFLICT', field: 'input.email' });
      expect(result.data).toBeNull();
    }
    const alice = await logIn('alice@shop.test', 'customer-password');
    expect(alice.data?.logIn.user.name).toBe('Alice Example');
  });

  it('names the field that is wrong with BAD_USER_INPUT, and creates nothing', async () => {
    const valid = { email: 'erin@example.com', password: 'ten chars!', name: 'Erin' };
    const cases = [
      [{ email: 'not-an-email' }, 'input.email'],
      [{ email: 'erin@localhost' }, 'input.email'],
      [{ email: 'erin @example.com' }, 'input.email'],
      [{ email: `${'x'.repeat(250)}@example.com` }, 'input.email'],
      [{ password: 'nine char' }, 'input.password'],
      [{ password: '🔑🔑🔑🔑🔑🔑🔑🔑🔑' }, 'input.password'],
      [{ password: 'x'.repeat(257) }, 'input.password'],
      [{ name: '   ' }, 'input.name'],
      [{ name: 'n'.repeat(101) }, 'input.name'],
    ] as const;
    for (const [change, field] of cases) {
      const result = await signUp({ ...valid, ...change });
      expect(result.errors?.[0]?.extensions, JSON.stringify(change)).toMatchObject({
        code: 'BAD_USER_INPUT',
        field,
      });
    }
    const [row] = await service.database.db.select().from(users).where(eq(users.email, valid.email));
    expect(row).toBeUndefined();
    // Exactly ten characters is enough.
    expect((await signUp(valid)).errors).toBeUndefined();
  });
});

describe('logIn', () => {
  it('gives the seeded demo accounts a token with their role and scopes', async () => {
    const admin = await logIn('admin@shop.test', 'admin-password');
    expect(admin.errors).toBeUndefined();
    expect(admin.data?.logIn.user).toMatchObject({ id: seedIds.admin(), role: 'ADMIN' });
    const { payload } = await verify(admin.data?.logIn.token ?? '');
    expect(payload).toMatchObject({
      sub: seedIds.admin(),
      role: 'ADMIN',
      scope: ROLE_SCOPES.ADMIN.join(' '),
    });
    const bob = await logIn(' BOB@shop.test', 'customer-password');
    expect(bob.data?.logIn.user).toMatchObject({ id: seedIds.user(1), email: 'bob@shop.test' });
  });

  it('gives an unknown email and a wrong password the same UNAUTHENTICATED error', async () => {
    const unknown = await logIn('nobody@shop.test', 'customer-password');
    const wrong = await logIn('alice@shop.test', 'wrong-password');
    expect(unknown.errors).toEqual(wrong.errors);
    expect(unknown).toEqual({
      data: null,
      errors: [
        {
          message: 'The email or password is not correct.',
          locations: expect.any(Array),
          path: ['logIn'],
          extensions: { code: 'UNAUTHENTICATED' },
        },
      ],
    });
  });

  it('takes about as long for an unknown email as for a wrong password', async () => {
    const timed = async (email: string) => {
      const started = performance.now();
      await logIn(email, 'wrong-password');
      return performance.now() - started;
    };
    const unknown: number[] = [];
    const wrong: number[] = [];
    // Interleaved, so a busy moment of the machine slows both alike.
    for (let round = 0; round < 12; round += 1) {
      unknown.push(await timed(`nobody-${round}@shop.test`));
      wrong.push(await timed('alice@shop.test'));
    }
    const median = (values: number[]) => [...values].sort((a, b) => a - b)[values.length >> 1] ?? 0;
    console.info(
      `log-in timing, median of 12: unknown email ${median(unknown).toFixed(1)} ms, wrong password ${median(wrong).toFixed(1)} ms`,
    );
    // Both check a hash: without the throwaway one an unknown email answers in a fraction of the time.
    expect(median(unknown) / median(wrong)).toBeGreaterThan(0.5);
    expect(median(unknown) / median(wrong)).toBeLessThan(2);
  });

  it('cannot log in to an account without a password', async () => {
    await service.database.db
      .update(users)
      .set({ passwordHash: null })
      .where(eq(users.id, seedIds.user(2)));
    const [row] = await service.database.db
      .select()
      .from(users)
      .where(eq(users.id, seedIds.user(2)));
    for (const password of ['', 'customer-password']) {
      const result = await logIn(row?.email ?? '', password);
      expect(result.errors?.[0]?.extensions?.code).toBe('UNAUTHENTICATED');
    }
  });

  it('signs a token that me accepts as the same user (through the gateway proof)', async () => {
    const { data } = await logIn('alice@shop.test', 'customer-password');
    const { payload } = await verify(data?.logIn.token ?? '');
    const caller = { userId: String(payload.sub), role: 'CUSTOMER' as const, scopes: [] };
    const me = await service.post<{ me: { email: string } }>('{ me { email } }', undefined, { caller });
    expect(me.body).toEqual({ data: { me: { email: 'alice@shop.test' } } });
    expect(decodeProtectedHeader(data?.logIn.token ?? '').kid).toEqual(expect.any(String));
  });
});
