import { randomBytes } from 'node:crypto';
import { DEMO_SEED_PLAN, seedIds } from '@shop/devkit/seed';
import { GatewayProofHeader, signGatewayRequest } from '@shop/platform/auth';
import postgres from 'postgres';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { accessTokenSignedWith, unsignedAccessToken } from '../src/access-tokens';
import { startTestStack, type TestStack } from '../src/test-stack';

let stack: TestStack;
// Every request of this file comes from 127.0.0.1: a roomy address limit, tested last.
const MAX_FAILURES_PER_ADDRESS = 15;

beforeAll(async () => {
  stack = await startTestStack({
    seed: DEMO_SEED_PLAN,
    env: { LOGIN_MAX_FAILURES_PER_ADDRESS: String(MAX_FAILURES_PER_ADDRESS) },
  });
});
afterAll(() => stack?.stop());

interface AuthPayload {
  token: string;
  user: { id: string; email: string; role: string };
}

const LOG_IN = /* GraphQL */ `
  mutation LogIn($email: String!, $password: String!) {
    logIn(email: $email, password: $password) { token user { id email role } }
  }
`;
const SIGN_UP = /* GraphQL */ `
  mutation SignUp($input: SignUpInput!) { signUp(input: $input) { token user { id email role } } }
`;

const bearer = (token: string) => ({ authorization: `Bearer ${token}` });

async function logIn(email: string, password: string) {
  return stack.graphql<{ logIn: AuthPayload }>(LOG_IN, { email, password });
}

async function tokenOf(email: string, password: string): Promise<string> {
  const { body } = await logIn(email, password);
  expect(body.errors).toBeUndefined();
  return body.data?.logIn.token ?? '';
}

describe('signing up and logging in through the gateway', () => {
  it('gives a token that the gateway accepts for me', async () => {
    const signUp = await stack.graphql<{ signUp: AuthPayload }>(SIGN_UP, {
      input: { email: 'Dana@Example.com', password: 'dana-password', name: 'Dana' },
    });
    expect(signUp.body.errors).toBeUndefined();
    expect(signUp.body.data?.signUp.user).toMatchObject({ email: 'dana@example.com', role: 'CUSTOMER' });

    for (const token of [
      signUp.body.data?.signUp.token ?? '',
      await tokenOf(' dana@example.com', 'dana-password'),
    ]) {
      const me = await stack.graphql<{ me: { id: string; name: string; email: string } }>(
        '{ me { id name email } }',
        undefined,
        bearer(token),
      );
      expect(me.body).toEqual({
        data: { me: { id: signUp.body.data?.signUp.user.id, name: 'Dana', email: 'dana@example.com' } },
      });
    }
    expect((await stack.graphql('{ me { id } }')).body).toEqual({ data: { me: null } });
  });

  it('refuses a taken email with CONFLICT and bad input with BAD_USER_INPUT naming the field', async () => {
    const attempt = async (input: Record<string, string>) =>
      (
        await stack.graphql(SIGN_UP, {
          input: { email: 'erin@example.com', password: 'erin-password', name: 'Erin', ...input },
        })
      ).body.errors?.[0]?.extensions;
    expect(await attempt({ email: 'ALICE@shop.test' })).toEqual({ code: 'CONFLICT', field: 'input.email' });
    expect(await attempt({ email: 'erin.example.com' })).toEqual({
      code: 'BAD_USER_INPUT',
      field: 'input.email',
    });
    expect(await attempt({ password: 'too-short' })).toEqual({
      code: 'BAD_USER_INPUT',
      field: 'input.password',
    });
    expect(await attempt({ name: '' })).toEqual({ code: 'BAD_USER_INPUT', field: 'input.name' });
  });

  it('answers an unknown email and a wrong password alike', async () => {
    const unknown = await logIn('nobody@shop.test', 'customer-password');
    const wrong = await logIn('alice@shop.test', 'not-her-password');
    expect(unknown.body).toEqual(wrong.body);
    expect(unknown.body.errors?.[0]).toMatchObject({
      message: 'The email or password is not correct.',
      extensions: { code: 'UNAUTHENTICATED' },
    });
  });
});

describe('whose email a caller may read', () => {
  const REVIEW_AUTHORS = /* GraphQL */ `
    { products(first: 10) { edges { node { reviews(first: 5) { edges { node { author { id email } } } } } } } }
  `;

  it('a customer reads their own, and no other customer’s, through user or through review authors', async () => {
    const alice = bearer(await tokenOf('alice@shop.test', 'customer-password'));
    const own = await stack.graphql('{ me { email } }', undefined, alice);
    expect(own.body).toEqual({ data: { me: { email: 'alice@shop.test' } } });

    const bob = await stack.graphql(`{ user(id: "${seedIds.user(1)}") { email } }`, undefined, alice);
    expect(bob.body.errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
    expect(JSON.stringify(bob.body)).not.toContain('bob@shop.test');

    const authors = await stack.graphql(REVIEW_AUTHORS, undefined, alice);
    expect(authors.body.errors?.length).toBeGreaterThan(0);
    for (const error of authors.body.errors ?? []) expect(error.extensions?.code).toBe('FORBIDDEN');
    expect(JSON.stringify(authors.body)).not.toMatch(/@(customers\.)?shop\.test/);
  });

  it('an admin reads anyone’s', async () => {
    const admin = bearer(await tokenOf('admin@shop.test', 'admin-password'));
    const bob = await stack.graphql(`{ user(id: "${seedIds.user(1)}") { email } }`, undefined, admin);
    expect(bob.body).toEqual({ data: { user: { email: 'bob@shop.test' } } });
    const authors = await stack.graphql<{ products: { edges: unknown[] } }>(REVIEW_AUTHORS, undefined, admin);
    expect(authors.body.errors).toBeUndefined();
    expect(JSON.stringify(authors.body)).toMatch(/@customers\.shop\.test/);
  });
});

describe('tokens the gateway refuses', () => {
  const alice = { sub: seedIds.user(0), role: 'CUSTOMER' as const };

  it('accepts one signed with accounts’ key (the kid the JWKS publishes), as a control', async () => {
    const token = accessTokenSignedWith(stack.secrets.signingKeys[0] ?? 'unpublished-key', alice);
    const me = await stack.graphql('{ me { email } }', undefined, bearer(token));
    expect(me.body).toEqual({ data: { me: { email: 'alice@shop.test' } } });
  });

  it('refuses an expired one, one signed by another key, and alg: none', async () => {
    const key = stack.secrets.signingKeys[0] ?? 'unpublished-key';
    const asAdmin = { sub: seedIds.user(0), role: 'ADMIN' as const };
    for (const token of [
      accessTokenSignedWith(key, { ...alice, expiresIn: -120 }),
      accessTokenSignedWith('unpublished-key', asAdmin),
      unsignedAccessToken(asAdmin),
      accessTokenSignedWith(key, { ...alice, aud: 'someone-else' }),
    ]) {
      const response = await stack.graphql(
        `{ user(id: "${seedIds.user(1)}") { email } }`,
        undefined,
        bearer(token),
      );
      expect(response.status).toBe(401);
      expect(response.body.errors?.[0]?.extensions?.code).toBe('UNAUTHENTICATED');
      expect(JSON.stringify(response.body)).not.toContain('bob@shop.test');
    }
  });
});

describe('calling a subgraph directly, without the gateway', () => {
  const post = (service: string, body: unknown, headers: Record<string, string> = {}) =>
    fetch(stack.subgraphUrl(service), {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...headers },
      body: JSON.stringify(body),
    });
  const adminCaller = Buffer.from(
    JSON.stringify({ sub: seedIds.admin(), role: 'ADMIN', scopes: ['users:read'] }),
  ).toString('base64url');

  it('gets 401 for _service { sdl } from every subgraph', async () => {
    for (const service of stack.subgraphs.keys()) {
      const response = await post(service, { query: '{ _service { sdl } }' });
      expect(response.status, service).toBe(401);
      expect(await response.text()).not.toContain('type Query');
    }
  });

  it('gets 401 for _entities asking for User.email, even claiming to be an admin', async () => {
    const query = {
      query: 'query ($r: [_Any!]!) { _entities(representations: $r) { ... on User { email } } }',
      variables: { r: [{ __typename: 'User', id: seedIds.user(0) }] },
    };
    const claimingAdmin: Record<string, string> = { [GatewayProofHeader.CALLER]: adminCaller };
    for (const headers of [{}, claimingAdmin]) {
      const response = await post('accounts', query, headers);
      expect(response.status).toBe(401);
      expect(await response.text()).not.toContain('alice@shop.test');
    }
  });

  it('gets 401 for a forged representation carrying fields a @requires would supply', async () => {
    const response = await post('reviews', {
      query: 'query ($r: [_Any!]!) { _entities(representations: $r) { ... on Product { reviewCount } } }',
      variables: {
        r: [{ __typename: 'Product', id: seedIds.product(0), price: { amount: 1, currency: 'EUR' } }],
      },
    });
    expect(response.status).toBe(401);
  });

  it('gets 403 with a proof signed by a secret other than the gateway’s', async () => {
    const body = JSON.stringify({ query: '{ me { email } }' });
    const forged = signGatewayRequest(randomBytes(32).toString('base64url'), {
      method: 'POST',
      path: '/graphql',
      body,
      caller: { userId: seedIds.user(0), role: 'CUSTOMER', scopes: [] },
    });
    const response = await fetch(stack.subgraphUrl('accounts'), {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...forged },
      body,
    });
    expect(response.status).toBe(403);
    expect(await response.text()).not.toContain('alice@shop.test');
  });

  it('still reaches /health, /metrics and accounts’ JWKS', async () => {
    for (const service of stack.subgraphs.keys()) {
      const base = stack.subgraphUrl(service).replace('/graphql', '');
      expect((await fetch(`${base}/health`)).status).toBe(200);
      expect((await fetch(`${base}/metrics`)).status).toBe(200);
    }
    const jwks = await fetch(stack.subgraphUrl('accounts').replace('/graphql', '/.well-known/jwks.json'));
    expect(((await jwks.json()) as { keys: unknown[] }).keys).toHaveLength(1);
  });
});

describe('a database failure inside a subgraph', () => {
  it('reaches the client as a masked INTERNAL_SERVER_ERROR, with nothing of the SQL', async () => {
    const alice = bearer(await tokenOf('alice@shop.test', 'customer-password'));
    const accountsDb = postgres(stack.databaseUrls.get('accounts') ?? '', { max: 1, onnotice: () => {} });
    try {
      await accountsDb`alter table users rename to users_away`;
      const { status, body } = await stack.graphql('{ me { name email } }', undefined, alice);
      expect(status).toBe(200);
      expect(body).toEqual({
        data: { me: null },
        errors: [
          { message: 'Internal server error', path: ['me'], extensions: { code: 'INTERNAL_SERVER_ERROR' } },
        ],
      });
    } finally {
      await accountsDb`alter table users_away rename to users`;
      await accountsDb.end();
    }
    expect((await stack.graphql('{ me { name } }', undefined, alice)).body).toEqual({
      data: { me: { name: 'Alice Example' } },
    });
  });
});

describe('repeated failed log-ins through the gateway', () => {
  it('are RATE_LIMITED per email from one address after 5, with a retry-after within the window, even for the right password', async () => {
    for (let attempt = 0; attempt < 5; attempt += 1)
      expect((await logIn('bob@shop.test', 'guess')).body.errors?.[0]?.extensions?.code).toBe(
        'UNAUTHENTICATED',
      );
    const limited = await logIn('bob@shop.test', 'customer-password');
    const extensions = limited.body.errors?.[0]?.extensions;
    expect(extensions?.code).toBe('RATE_LIMITED');
    expect(extensions?.retryAfterSeconds).toEqual(expect.any(Number));
    expect(Number(extensions?.retryAfterSeconds)).toBeGreaterThan(0);
    // At most the failure window (LOGIN_FAILURE_WINDOW_SECONDS, 300 by default).
    expect(Number(extensions?.retryAfterSeconds)).toBeLessThanOrEqual(300);
    // Other accounts are not locked by it.
    await tokenOf('alice@shop.test', 'customer-password');
  });

  it('are RATE_LIMITED per client address, across emails: the gateway passes on who is asking', async () => {
    let attempts = 0;
    let code: unknown;
    do {
      attempts += 1;
      code = (await logIn(`guess-${attempts}@shop.test`, 'guess')).body.errors?.[0]?.extensions?.code;
    } while (code === 'UNAUTHENTICATED' && attempts <= MAX_FAILURES_PER_ADDRESS);
    expect(code).toBe('RATE_LIMITED');
    expect((await logIn('admin@shop.test', 'admin-password')).body.errors?.[0]?.extensions?.code).toBe(
      'RATE_LIMITED',
    );
  });
});
