import { DEMO_SEED_PLAN } from '@shop/devkit/seed';
import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { loginThrottle } from '../src/db/schema';
import { seed } from '../src/db/seed';
import { type AccountsUnderTest, startAccounts } from './accounts-service';

let service: AccountsUnderTest;
const WINDOW_SECONDS = 60;

beforeAll(async () => {
  service = await startAccounts({
    loginLimits: {
      maxFailuresPerPair: 5,
      maxFailuresPerAddress: 8,
      emailFailuresBeforeDelay: 1000,
      windowSeconds: WINDOW_SECONDS,
    },
  });
  await seed(service.database.db, { ...DEMO_SEED_PLAN, users: 5 });
});
afterAll(() => service.stop());
// Each test starts with no failures counted.
beforeEach(() => service.database.db.delete(loginThrottle));

interface LogInResponse {
  status: number;
  body: {
    data?: { logIn: { user: { email: string } } } | null;
    errors?: readonly { message: string; extensions?: Record<string, unknown> }[];
  };
}

const LOG_IN =
  'mutation ($email: String!, $password: String!) { logIn(email: $email, password: $password) { user { email } } }';

/** A log-in as the gateway forwards it, from `clientAddress`. */
const logIn = (email: string, password: string, clientAddress = '198.51.100.20'): Promise<LogInResponse> =>
  service.post(LOG_IN, { email, password }, { clientAddress });

const codeOf = (response: LogInResponse) => response.body.errors?.[0]?.extensions?.code ?? 'OK';

describe('failed log-ins per email', () => {
  it('are refused with RATE_LIMITED after 5, even with the right password, saying when to retry', async () => {
    const codes = [];
    for (let attempt = 0; attempt < 5; attempt += 1)
      codes.push(codeOf(await logIn('alice@shop.test', 'wrong-password')));
    expect(codes).toEqual(Array(5).fill('UNAUTHENTICATED'));
    const limited = await logIn('alice@shop.test', 'customer-password');
    expect(limited.body.data).toBeNull();
    const error = limited.body.errors?.[0];
    expect(error?.extensions?.code).toBe('RATE_LIMITED');
    const retryAfter = Number(error?.extensions?.retryAfterSeconds);
    expect(retryAfter).toBeGreaterThan(0);
    expect(retryAfter).toBeLessThanOrEqual(WINDOW_SECONDS);
    expect(error?.message).toBe(`Too many failed log-ins. Try again in ${retryAfter} seconds.`);
  });

  it('count an email however it is written, and an unknown email like a known one', async () => {
    for (const email of [
      'Bob@shop.test',
      ' BOB@SHOP.TEST',
      'bob@shop.test ',
      'bob@Shop.test',
      'bob@shop.test',
    ])
      expect(codeOf(await logIn(email, 'wrong-password'))).toBe('UNAUTHENTICATED');
    expect(codeOf(await logIn('bob@shop.test', 'customer-password'))).toBe('RATE_LIMITED');
    for (let attempt = 0; attempt < 5; attempt += 1)
      await logIn('ghost@shop.test', 'wrong-password', '198.51.100.21');
    expect(codeOf(await logIn('ghost@shop.test', 'wrong-password', '198.51.100.21'))).toBe('RATE_LIMITED');
  });

  it('allow logging in again once the window is over', async () => {
    for (let attempt = 0; attempt < 6; attempt += 1) await logIn('alice@shop.test', 'wrong-password');
    expect(codeOf(await logIn('alice@shop.test', 'customer-password'))).toBe('RATE_LIMITED');
    await service.database.db.update(loginThrottle).set({
      windowStartedAt: sql`now() - ${WINDOW_SECONDS + 1} * interval '1 second'`,
    });
    expect(codeOf(await logIn('alice@shop.test', 'customer-password'))).toBe('OK');
  });

  it('do not include successful log-ins', async () => {
    for (let attempt = 0; attempt < 12; attempt += 1)
      expect(codeOf(await logIn('alice@shop.test', 'customer-password'))).toBe('OK');
    for (let attempt = 0; attempt < 4; attempt += 1) await logIn('alice@shop.test', 'wrong-password');
    expect(codeOf(await logIn('alice@shop.test', 'customer-password'))).toBe('OK');
  });
});

describe('failures for one email from other addresses', () => {
  it('never lock the owner out from their own address, and successes in flight never count', async () => {
    for (let attempt = 0; attempt < 6; attempt += 1)
      await logIn('alice@shop.test', 'wrong-password', '203.0.113.90');
    expect(codeOf(await logIn('alice@shop.test', 'customer-password', '203.0.113.90'))).toBe('RATE_LIMITED');
    expect(codeOf(await logIn('alice@shop.test', 'customer-password', '198.51.100.20'))).toBe('OK');
    const together = await Promise.all(
      Array.from({ length: 12 }, () => logIn('bob@shop.test', 'customer-password', '198.51.100.30')),
    );
    expect(together.map(codeOf)).toEqual(Array(12).fill('OK'));
  });
});

describe('failed log-ins per client address', () => {
  it('are refused after 8 from one address, across emails, while other addresses go on', async () => {
    for (let attempt = 0; attempt < 8; attempt += 1)
      expect(codeOf(await logIn(`guess-${attempt}@shop.test`, 'wrong-password', '203.0.113.5'))).toBe(
        'UNAUTHENTICATED',
      );
    expect(codeOf(await logIn('alice@shop.test', 'customer-password', '203.0.113.5'))).toBe('RATE_LIMITED');
    expect(codeOf(await logIn('alice@shop.test', 'customer-password', '203.0.113.6'))).toBe('OK');
  });

  it('count an IPv6 /64 as one address', async () => {
    for (let attempt = 0; attempt < 8; attempt += 1)
      await logIn(`guess-${attempt}@shop.test`, 'wrong-password', `2001:db8:1:2::${attempt + 1}`);
    expect(codeOf(await logIn('alice@shop.test', 'customer-password', '2001:db8:1:2:ffff::9'))).toBe(
      'RATE_LIMITED',
    );
    expect(codeOf(await logIn('alice@shop.test', 'customer-password', '2001:db8:1:3::1'))).toBe('OK');
  });
});

describe('attempts packed into one request', () => {
  const aliases = (count: number, password: string) =>
    `mutation { ${Array.from(
      { length: count },
      (_, index) => `a${index}: logIn(email: "alice@shop.test", password: "${password}") { token }`,
    ).join(' ')} }`;
  const failuresCounted = async () => {
    const rows = await service.database.db.select().from(loginThrottle);
    return Math.max(0, ...rows.map((row) => row.failures));
  };

  it('count one attempt per alias that runs: 1,000 aliases get no more guesses than 1,000 requests', async () => {
    const packed = aliases(1000, 'wrong-password');
    for (let request = 1; request <= 5; request += 1) {
      const response = await service.post(packed, undefined, { clientAddress: '192.0.2.44' });
      // logIn is non-null: the first failure ends the mutation, so one request is one attempt.
      expect(response.body.errors).toHaveLength(1);
      expect(response.body.errors?.[0]?.extensions?.code).toBe('UNAUTHENTICATED');
      expect(await failuresCounted()).toBe(request);
    }
    const limited = await service.post(packed, undefined, { clientAddress: '192.0.2.44' });
    expect(limited.body.errors?.[0]?.extensions).toMatchObject({ code: 'RATE_LIMITED' });
    expect(Number(limited.body.errors?.[0]?.extensions?.retryAfterSeconds)).toBeGreaterThan(0);
  });

  it('are not forgiven by successful aliases before them', async () => {
    const mixed = `mutation {
      ${Array.from({ length: 3 }, (_, index) => `ok${index}: logIn(email: "alice@shop.test", password: "customer-password") { token }`).join(' ')}
      bad: logIn(email: "alice@shop.test", password: "wrong-password") { token }
    }`;
    for (let request = 1; request <= 5; request += 1) await service.post(mixed);
    expect(await failuresCounted()).toBe(5);
    const limited = await service.post(mixed);
    expect(limited.body.errors?.[0]).toMatchObject({ path: ['ok0'], extensions: { code: 'RATE_LIMITED' } });
  });

  it('count concurrent attempts exactly, as replicas sharing the database would', async () => {
    const outcomes = await Promise.all(
      Array.from({ length: 20 }, () => logIn('alice@shop.test', 'wrong-password', '192.0.2.45')),
    );
    const codes = outcomes.map(codeOf);
    expect(codes.filter((code) => code === 'UNAUTHENTICATED')).toHaveLength(5);
    expect(codes.filter((code) => code === 'RATE_LIMITED')).toHaveLength(15);
  });
});

describe('the counters table', () => {
  it('keeps no email or address in clear, and forgets windows that are over', async () => {
    await logIn('alice@shop.test', 'wrong-password', '198.51.100.77');
    const rows = await service.database.db.select().from(loginThrottle);
    expect(JSON.stringify(rows)).not.toMatch(/alice|198\.51/);
    await service.database.db.update(loginThrottle).set({
      windowStartedAt: sql`now() - ${WINDOW_SECONDS + 1} * interval '1 second'`,
    });
    await logIn('bob@shop.test', 'wrong-password', '198.51.100.78');
    // The stale rows were purged by the next failure; only its own three counters remain (pair, address, email).
    expect(await service.database.db.select().from(loginThrottle)).toHaveLength(3);
  });
});
