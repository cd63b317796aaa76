import { generateKeyPairSync } from 'node:crypto';
import { DEFAULT_TOKEN_AUDIENCE, DEFAULT_TOKEN_ISSUER } from '@shop/platform/auth';
import { createRemoteJWKSet, decodeProtectedHeader, jwtVerify, SignJWT } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  generateSigningKey,
  type SigningKey,
  SigningKeyRing,
  signingKeyConfig,
  signingKeyFrom,
} from '../src/tokens/signing-keys';
import { type AccountsUnderTest, startAccounts, TOKEN_LIFETIME_SECONDS } from './accounts-service';

const HOUR = 3600 * 1000;
const ago = (ms: number) => new Date(Date.now() - ms);

describe('SigningKeyRing', () => {
  const retired = generateSigningKey(ago(5 * HOUR));
  const previous = generateSigningKey(ago(3 * HOUR));
  const current = generateSigningKey(ago(HOUR / 2));
  const upcoming = generateSigningKey(ago(-HOUR));
  const ring = new SigningKeyRing([upcoming, current, retired, previous], TOKEN_LIFETIME_SECONDS);
  const kids = (keys: SigningKey[]) => keys.map((key) => key.kid);

  it('signs with the newest key that is active', () => {
    expect(ring.signingKey().kid).toBe(current.kid);
    expect(ring.signingKey(ago(2 * HOUR)).kid).toBe(previous.kid);
    expect(ring.signingKey(ago(-2 * HOUR)).kid).toBe(upcoming.kid);
  });

  it('publishes the next key before it signs, and a retired one until its tokens have expired', () => {
    // `previous` stopped signing half an hour ago: its tokens live for an hour, so it stays.
    expect(kids(ring.publishedKeys())).toEqual([previous.kid, current.kid, upcoming.kid]);
    expect(kids(ring.publishedKeys(ago(-HOUR / 2 - 61_000)))).toEqual([current.kid, upcoming.kid]);
  });

  it('refuses a ring without keys, with two keys of one kid, or signing before any key is active', () => {
    expect(() => new SigningKeyRing([], 60)).toThrow(/at least one/);
    expect(() => new SigningKeyRing([current, current], 60)).toThrow(/same kid/);
    expect(() => new SigningKeyRing([upcoming], 60).signingKey()).toThrow(/no signing key is active yet/);
  });
});

describe('JWT_SIGNING_KEYS entries', () => {
  const { privateKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });

  it('take a P-256 private key as a JWK or a PEM, named by its thumbprint unless given a kid', () => {
    const jwk = privateKey.export({ format: 'jwk' });
    const pem = privateKey.export({ format: 'pem', type: 'pkcs8' }).toString();
    const fromJwk = signingKeyFrom(signingKeyConfig.parse({ privateKey: jwk }));
    const fromPem = signingKeyFrom(
      signingKeyConfig.parse({ privateKey: pem, kid: 'key-2026', activeFrom: '2026-01-01T00:00:00Z' }),
    );
    expect(fromJwk.kid).toMatch(/^[\w-]{43}$/);
    expect(fromPem).toMatchObject({ kid: 'key-2026', activeFrom: new Date('2026-01-01T00:00:00Z') });
    expect(fromPem.publicJwk).toEqual({ ...fromJwk.publicJwk, kid: 'key-2026' });
    expect(fromJwk.publicJwk).toEqual({
      kty: 'EC',
      crv: 'P-256',
      x: jwk.x,
      y: jwk.y,
      kid: fromJwk.kid,
      alg: 'ES256',
      use: 'sig',
    });
  });

  it('refuse public keys, other curves and other key types', () => {
    const { x, y } = privateKey.export({ format: 'jwk' });
    expect(signingKeyConfig.safeParse({ privateKey: { kty: 'EC', crv: 'P-256', x, y } }).success).toBe(false);
    const p384 = generateKeyPairSync('ec', { namedCurve: 'P-384' }).privateKey;
    const rsa = generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey;
    for (const key of [p384, rsa]) {
      const pem = key.export({ format: 'pem', type: 'pkcs8' }).toString();
      expect(() => signingKeyFrom(signingKeyConfig.parse({ privateKey: pem }))).toThrow(/P-256/);
    }
    expect(signingKeyConfig.safeParse({ privateKey: 'not a key', kid: 'a b' }).success).toBe(false);
  });
});

describe('GET /.well-known/jwks.json during a rotation', () => {
  const forgotten = generateSigningKey(ago(5 * HOUR));
  const previous = generateSigningKey(ago(3 * HOUR));
  const current = generateSigningKey(ago(HOUR / 2));
  let service: AccountsUnderTest;

  beforeAll(async () => {
    service = await startAccounts({ keys: [forgotten, previous, current] });
  });
  afterAll(() => service.stop());

  const tokenSignedWith = (key: SigningKey) =>
    new SignJWT({ role: 'CUSTOMER', scope: '' })
      .setProtectedHeader({ alg: 'ES256', kid: key.kid })
      .setSubject('someone')
      .setIssuer(DEFAULT_TOKEN_ISSUER)
      .setAudience(DEFAULT_TOKEN_AUDIENCE)
      .setIssuedAt()
      .setExpirationTime('10m')
      .sign(key.privateKey);
  const verify = async (token: string) =>
    jwtVerify(token, createRemoteJWKSet(new URL(service.jwksUrl)), {
      issuer: DEFAULT_TOKEN_ISSUER,
      audience: DEFAULT_TOKEN_AUDIENCE,
    });

  it('publishes the public halves of the keys whose tokens may still be alive, and is cacheable', async () => {
    const response = await fetch(service.jwksUrl);
    expect(response.status).toBe(200);
    expect(response.headers.get('cache-control')).toBe('public, max-age=300');
    const { keys } = (await response.json()) as { keys: Record<string, string>[] };
    expect(keys.map((key) => key.kid)).toEqual([previous.kid, current.kid]);
    for (const key of keys) {
      expect(key).not.toHaveProperty('d');
      expect(key).toMatchObject({ kty: 'EC', crv: 'P-256', alg: 'ES256', use: 'sig' });
    }
  });

  it('signs new tokens with the current key; tokens of the previous key still verify, the forgotten one no more', async () => {
    const { data } = await service.execute<{ signUp: { token: string } }>(
      'mutation { signUp(input: { email: "rot@example.com", password: "rotation-password", name: "Rot" }) { token } }',
    );
    const token = data?.signUp.token ?? '';
    expect(decodeProtectedHeader(token).kid).toBe(current.kid);
    await expect(verify(token)).resolves.toBeDefined();
    await expect(verify(await tokenSignedWith(previous))).resolves.toBeDefined();
    await expect(verify(await tokenSignedWith(forgotten))).rejects.toThrow(/no applicable key/i);
  });

  it('is open without the gateway proof, like /health', async () => {
    expect((await fetch(service.jwksUrl)).status).toBe(200);
    expect((await fetch(service.jwksUrl, { method: 'POST' })).status).toBe(405);
  });
});
