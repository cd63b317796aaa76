import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { capturingLogger, type LogLine } from './library-graph';
import { type FederatedTestGraph, startFederatedTestGraph } from './support/federated-test-graph';
import { startTestIssuer, type TestIssuer } from './support/test-issuer';

const ACCOUNT = {
  name: 'account',
  typeDefs: `
    extend schema @link(url: "https://specs.apollo.dev/federation/v2.9", import: ["@authenticated"])
    type Query { me: String @authenticated }
  `,
  resolvers: { Query: { me: () => 'Ada' } },
};
const MAX_AGE_SECONDS = 1;

let issuer: TestIssuer;
let graph: FederatedTestGraph;
let logs: LogLine[];
let firstToken = '';
beforeAll(async () => {
  issuer = await startTestIssuer();
  const captured = capturingLogger();
  logs = captured.lines;
  graph = await startFederatedTestGraph(
    [ACCOUNT],
    {
      JWKS_URL: issuer.jwksUrl,
      JWKS_CACHE_MAX_AGE_SECONDS: String(MAX_AGE_SECONDS),
      JWKS_REFETCH_COOLDOWN_SECONDS: '0.2',
    },
    captured.logger,
  );
});
afterAll(async () => {
  await graph?.stop();
  issuer?.stop();
});

const me = async (token: string) => {
  const { status, body } = await graph.graphql('{ me }', { token });
  return { status, me: body.data?.me, code: body.errors?.[0]?.extensions?.code };
};
const metric = async (name: string) => {
  const text = await graph.gateway.metrics.registry.metrics();
  return Number(new RegExp(`^${name}(?:\\{[^}]*\\})? (\\S+)$`, 'm').exec(text)?.[1]);
};

describe('while the accounts JWKS cannot be fetched for longer than its cache age', () => {
  it('a logged-in request keeps working with the last keys fetched, with a warning and a metric', async () => {
    const token = await issuer.sign({ sub: '1', role: 'CUSTOMER' });
    firstToken = token;
    expect(await me(token)).toMatchObject({ status: 200, me: 'Ada' });
    issuer.setReachable(false);
    const fetchesBefore = issuer.jwksFetches();
    // Three times the cache age, asking all along.
    const deadline = Date.now() + 3 * MAX_AGE_SECONDS * 1000;
    while (Date.now() < deadline) {
      expect(await me(token)).toMatchObject({ status: 200, me: 'Ada' });
      await sleep(100);
    }
    expect(issuer.jwksFetches()).toBeGreaterThan(fetchesBefore);
    expect(await metric('gateway_jwks_refresh_failures_total')).toBeGreaterThan(0);
    expect(await metric('gateway_jwks_age_seconds')).toBeGreaterThan(MAX_AGE_SECONDS);
    expect(logs.some((line) => line.level === 'warn' && /last keys fetched/.test(line.msg))).toBe(true);
  });

  it('an expired or forged token is still refused', async () => {
    const expired = await issuer.sign({
      sub: '1',
      role: 'CUSTOMER',
      expiresIn: Math.floor(Date.now() / 1000) - 60,
    });
    expect(await me(expired)).toMatchObject({ status: 401, code: 'UNAUTHENTICATED' });
    expect(await me(issuer.unsigned({ sub: '1', role: 'ADMIN' }))).toMatchObject({ status: 401 });
  });

  it('a token of a key the gateway has not seen is a 503 (it may be valid), not a 401', async () => {
    await issuer.rotate();
    const rotated = await issuer.sign({ sub: '1', role: 'CUSTOMER' });
    await sleep(300); // past the refetch cooldown
    expect(await me(rotated)).toMatchObject({ status: 503, code: 'INTERNAL_SERVER_ERROR' });
  });
});

describe('when the JWKS can be fetched again', () => {
  it('rotation is honoured: the new key verifies, a key the JWKS dropped stops verifying', async () => {
    const retiring = firstToken;
    const rotated = await issuer.sign({ sub: '1', role: 'CUSTOMER' }); // the rotated-in key signs now
    issuer.setReachable(true);
    await sleep(300); // past the refetch cooldown
    expect(await me(rotated)).toMatchObject({ status: 200, me: 'Ada' });
    expect(await metric('gateway_jwks_age_seconds')).toBeLessThan(MAX_AGE_SECONDS);
    expect(logs.some((line) => line.level === 'info' && /fetched the JWKS again/.test(line.msg))).toBe(true);

    issuer.retire(); // the first key leaves the JWKS: tokens it signed stop verifying at the next fetch
    await sleep(MAX_AGE_SECONDS * 1000 + 100);
    const deadline = Date.now() + 2000;
    let answer = await me(retiring);
    while (answer.status === 200 && Date.now() < deadline) {
      await sleep(100);
      answer = await me(retiring);
    }
    expect(answer).toMatchObject({ status: 401, code: 'UNAUTHENTICATED' });
    expect(await me(rotated)).toMatchObject({ status: 200, me: 'Ada' });
  });
});
