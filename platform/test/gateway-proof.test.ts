import { randomBytes } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import { startTestSubgraph, type TestSubgraph } from '@shop/devkit/testing';
import {
  type Caller,
  GATEWAY_PROOF_WINDOW_MS,
  GatewayProofError,
  GatewayProofHeader,
  SeenNonces,
  signGatewayRequest,
  verifyGatewayRequest,
} from '@shop/platform/auth';
import { parse } from 'graphql';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RequestScope, SubgraphDefinition } from '../src/service';

const secret = randomBytes(32).toString('base64url');
const admin: Caller = { userId: 'u-admin', role: 'ADMIN', scopes: ['users:read'] };
const customer: Caller = { userId: 'u-1', role: 'CUSTOMER', scopes: [] };
// One replica's memory of nonces, shared by every verification here as in a running subgraph.
const request = {
  method: 'POST',
  path: '/graphql',
  body: '{"query":"{ me { id } }"}',
  nonces: new SeenNonces(),
};

function proofError(run: () => unknown): GatewayProofError {
  try {
    run();
  } catch (error) {
    if (error instanceof GatewayProofError) return error;
    throw error;
  }
  throw new Error('expected a GatewayProofError');
}

describe('signGatewayRequest and verifyGatewayRequest', () => {
  it('round-trip the caller and the client address', () => {
    const headers = signGatewayRequest(secret, { ...request, caller: admin, clientAddress: '203.0.113.7' });
    expect(Object.keys(headers).sort()).toEqual(
      [
        GatewayProofHeader.CALLER,
        GatewayProofHeader.CLIENT_ADDRESS,
        GatewayProofHeader.NONCE,
        GatewayProofHeader.SIGNATURE,
        GatewayProofHeader.TIMESTAMP,
      ].sort(),
    );
    expect(headers[GatewayProofHeader.SIGNATURE]).toMatch(/^v1=[0-9a-f]{64}$/);
    expect(verifyGatewayRequest(secret, { ...request, headers })).toEqual({
      caller: admin,
      clientAddress: '203.0.113.7',
    });
  });

  it('send no caller header for an anonymous request', () => {
    const headers = signGatewayRequest(secret, { ...request, caller: null });
    expect(headers[GatewayProofHeader.CALLER]).toBeUndefined();
    expect(verifyGatewayRequest(secret, { ...request, headers })).toEqual({
      caller: null,
      clientAddress: null,
    });
  });

  it('refuse a request without a proof with 401', () => {
    expect(proofError(() => verifyGatewayRequest(secret, { ...request, headers: {} })).status).toBe(401);
  });

  it('refuse anything altered after signing with 403', () => {
    const headers = signGatewayRequest(secret, {
      ...request,
      caller: customer,
      clientAddress: '203.0.113.7',
    });
    const forgedCaller = Buffer.from(
      JSON.stringify({ sub: 'u-1', role: 'ADMIN', scopes: ['users:read'] }),
    ).toString('base64url');
    const altered = [
      { ...request, body: '{"query":"{ user(id: \\"u-2\\") { email } }"}', headers },
      { ...request, path: '/graphql?x=1', headers },
      { ...request, method: 'GET', headers },
      { ...request, headers: { ...headers, [GatewayProofHeader.CALLER]: forgedCaller } },
      { ...request, headers: { ...headers, [GatewayProofHeader.CALLER]: undefined } },
      { ...request, headers: { ...headers, [GatewayProofHeader.CLIENT_ADDRESS]: '198.51.100.1' } },
      { ...request, headers: { ...headers, [GatewayProofHeader.TIMESTAMP]: String(Date.now() + 1) } },
      {
        ...request,
        headers: { ...headers, [GatewayProofHeader.NONCE]: randomBytes(16).toString('base64url') },
      },
      { ...request, headers: { ...headers, [GatewayProofHeader.NONCE]: undefined } },
    ];
    for (const forged of altered)
      expect(proofError(() => verifyGatewayRequest(secret, forged)).status).toBe(403);
  });

  it('refuse a proof signed with another secret, or a malformed one', () => {
    const other = signGatewayRequest(randomBytes(32).toString('base64url'), { ...request, caller: null });
    expect(proofError(() => verifyGatewayRequest(secret, { ...request, headers: other })).status).toBe(403);
    const signed = signGatewayRequest(secret, { ...request, caller: null });
    for (const signature of [
      '',
      'v1=',
      'v2=abc',
      `v1=${'0'.repeat(64)}`,
      `${signed[GatewayProofHeader.SIGNATURE]}0`,
    ]) {
      const headers = { ...signed, [GatewayProofHeader.SIGNATURE]: signature };
      expect(proofError(() => verifyGatewayRequest(secret, { ...request, headers })).status).toBe(403);
    }
  });

  it('accept a proof only within the replay window', () => {
    const signedAt = Date.now();
    const headers = signGatewayRequest(secret, { ...request, caller: customer, now: signedAt });
    const at = (now: number) => () => verifyGatewayRequest(secret, { ...request, headers, now });
    expect(at(signedAt + GATEWAY_PROOF_WINDOW_MS)()).toMatchObject({ caller: customer });
    expect(proofError(at(signedAt + GATEWAY_PROOF_WINDOW_MS + 1)).status).toBe(403);
    expect(proofError(at(signedAt - GATEWAY_PROOF_WINDOW_MS - 1)).status).toBe(403);
  });

  it('refuse a proof a replica has accepted before (a replay), within the whole window', () => {
    const signedAt = Date.now();
    const headers = signGatewayRequest(secret, { ...request, caller: customer, now: signedAt });
    const nonces = new SeenNonces();
    const at = (now: number) => () => verifyGatewayRequest(secret, { ...request, headers, nonces, now });
    expect(at(signedAt)()).toMatchObject({ caller: customer });
    for (const later of [0, 1, GATEWAY_PROOF_WINDOW_MS]) {
      const replay = proofError(at(signedAt + later));
      expect(replay.status).toBe(403);
      expect(replay.message).toMatch(/used before/);
    }
    // The same request signed again is a new proof; each replica keeps its own memory.
    const again = signGatewayRequest(secret, { ...request, caller: customer, now: signedAt });
    expect(
      verifyGatewayRequest(secret, { ...request, headers: again, nonces, now: signedAt }).caller,
    ).toEqual(customer);
    const otherReplica = new SeenNonces();
    expect(
      verifyGatewayRequest(secret, { ...request, headers, nonces: otherReplica, now: signedAt }),
    ).toMatchObject({
      caller: customer,
    });
  });

  it('forget nonces once their proofs have expired, so the memory stays as large as the window', () => {
    const nonces = new SeenNonces();
    const start = Date.now();
    for (let second = 0; second < 60; second++)
      for (let index = 0; index < 10; index++) {
        const now = start + second * 1000;
        const headers = signGatewayRequest(secret, { ...request, caller: null, now });
        verifyGatewayRequest(secret, { ...request, headers, nonces, now });
      }
    expect(nonces.size).toBeLessThanOrEqual(10 * (GATEWAY_PROOF_WINDOW_MS / 1000 + 1));
  });

  it('accept the old and the new secret during a rotation', () => {
    const next = randomBytes(32).toString('base64url');
    for (const signingSecret of [secret, next]) {
      const headers = signGatewayRequest(signingSecret, { ...request, caller: customer });
      expect(verifyGatewayRequest([next, secret], { ...request, headers }).caller).toEqual(customer);
    }
  });

  it('refuse to sign with a short secret, and never accept one', () => {
    expect(() => signGatewayRequest('short', { ...request, caller: null })).toThrow(/at least 32/);
    const headers = signGatewayRequest(secret, { ...request, caller: null });
    expect(proofError(() => verifyGatewayRequest(['short'], { ...request, headers })).status).toBe(403);
  });

  it('refuse a signed caller header that does not describe a caller', () => {
    // Only a broken gateway could sign this; the subgraph still does not guess.
    const caller = Buffer.from(JSON.stringify({ sub: 'u-1', role: 'ROOT', scopes: [] })).toString(
      'base64url',
    );
    const headers = signGatewayRequest(secret, { ...request, caller: null });
    const forged = { ...headers, [GatewayProofHeader.CALLER]: caller };
    expect(proofError(() => verifyGatewayRequest(secret, { ...request, headers: forged })).status).toBe(403);
  });
});

interface WhoAmIContext {
  caller: RequestScope<Record<string, never>>['caller'];
  clientAddress: string | null;
}

const whoAmI: SubgraphDefinition<Record<string, never>, WhoAmIContext> = {
  name: 'whoami',
  typeDefs: parse(`
    extend schema @link(url: "https://specs.apollo.dev/federation/v2.9", import: ["@key"])
    type Query { whoAmI: String! from: String }
    type Thing @key(fields: "id") { id: ID! secret: String! }
  `),
  resolvers: {
    Query: {
      whoAmI: (_: unknown, __: unknown, { caller }: WhoAmIContext) => caller?.userId ?? 'anonymous',
      from: (_: unknown, __: unknown, { clientAddress }: WhoAmIContext) => clientAddress,
    },
    Thing: { __resolveReference: ({ id }: { id: string }) => ({ id, secret: 'internal' }) },
  },
  tables: {},
  migrationsFolder: fileURLToPath(new URL('./fixtures/no-migrations', import.meta.url)),
  createContext: ({ caller, clientAddress }) => ({ caller, clientAddress }),
};

describe('a subgraph over HTTP', () => {
  let service: TestSubgraph<Record<string, never>, WhoAmIContext>;
  beforeAll(async () => {
    service = await startTestSubgraph(whoAmI);
  });
  afterAll(() => service.stop());

  const unsigned = (body: unknown, headers: Record<string, string> = {}) =>
    fetch(service.url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...headers },
      body: JSON.stringify(body),
    });

  it('answers a request signed by the gateway, as the caller it names', async () => {
    const response = await service.post('{ whoAmI from }', undefined, {
      caller: customer,
      clientAddress: '2001:db8::1',
    });
    expect(response).toEqual({ status: 200, body: { data: { whoAmI: 'u-1', from: '2001:db8::1' } } });
  });

  it('refuses _service, _entities and plain queries without a proof with 401', async () => {
    for (const query of [
      '{ _service { sdl } }',
      '{ _entities(representations: [{ __typename: "Thing", id: "1" }]) { ... on Thing { secret } } }',
      '{ whoAmI }',
    ]) {
      const response = await unsigned({ query });
      expect(response.status).toBe(401);
      const body = (await response.json()) as { data?: unknown; errors: { extensions: { code: string } }[] };
      expect(body.data).toBeUndefined();
      expect(body.errors[0]?.extensions.code).toBe('UNAUTHENTICATED');
    }
  });

  it('refuses a made-up caller header, even with a proof copied from another request, with 403', async () => {
    const body = JSON.stringify({ query: '{ whoAmI }' });
    const proof = signGatewayRequest(service.gatewaySecret, {
      method: 'POST',
      path: '/graphql',
      body,
      caller: customer,
    });
    const asAdmin = Buffer.from(JSON.stringify({ sub: 'u-admin', role: 'ADMIN', scopes: [] })).toString(
      'base64url',
    );
    const forgedCaller = await unsigned(
      { query: '{ whoAmI }' },
      { ...proof, [GatewayProofHeader.CALLER]: asAdmin },
    );
    expect(forgedCaller.status).toBe(403);
    const otherBody = await unsigned({ query: '{ _service { sdl } }' }, proof);
    expect(otherBody.status).toBe(403);
    expect((await unsigned({ query: '{ whoAmI }' }, { [GatewayProofHeader.CALLER]: asAdmin })).status).toBe(
      401,
    );
  });

  it('refuses the same signed request sent a second time with 403', async () => {
    const body = JSON.stringify({ query: '{ whoAmI }' });
    const proof = signGatewayRequest(service.gatewaySecret, {
      method: 'POST',
      path: '/graphql',
      body,
      caller: customer,
    });
    const send = () =>
      fetch(service.url, { method: 'POST', headers: { 'content-type': 'application/json', ...proof }, body });
    const first = await send();
    expect(first.status).toBe(200);
    expect(await first.json()).toEqual({ data: { whoAmI: 'u-1' } });
    const replayed = await send();
    expect(replayed.status).toBe(403);
    expect(((await replayed.json()) as { data?: unknown }).data).toBeUndefined();
  });

  it('checks the proof before anything else: a text/plain or GET request without one gets 401 too', async () => {
    const plain = await fetch(service.url, {
      method: 'POST',
      headers: { 'content-type': 'text/plain' },
      body: '{',
    });
    expect(plain.status).toBe(401);
    const get = await fetch(`${service.url}?query=${encodeURIComponent('{ whoAmI }')}`);
    expect(get.status).toBe(401);
  });

  it('keeps /health, /ready and /metrics open', async () => {
    const base = service.url.replace('/graphql', '');
    for (const path of ['/health', '/ready', '/metrics'])
      expect((await fetch(`${base}${path}`)).status).toBe(200);
  });
});
