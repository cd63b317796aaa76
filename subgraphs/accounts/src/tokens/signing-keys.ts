import {
  createHash,
  createPrivateKey,
  createPublicKey,
  generateKeyPairSync,
  type KeyObject,
} from 'node:crypto';
import { ACCESS_TOKEN_ALGORITHM } from '@shop/platform/auth';
import { z } from 'zod';

/** A key that signs access tokens from `activeFrom` on, until a newer key takes over. */
export interface SigningKey {
  kid: string;
  activeFrom: Date;
  privateKey: KeyObject;
  /** What the JWKS publishes: the public half, with `kid`, `alg` and `use`. */
  publicJwk: PublicJwk;
}

export interface PublicJwk {
  kty: string;
  crv: string;
  x: string;
  y: string;
  kid: string;
  alg: string;
  use: 'sig';
}

/**
 * The keys of accounts over time. The newest key whose `activeFrom` has passed signs. A key
 * is published in the JWKS before it becomes active (so verifiers have it in their cache
 * when the first token arrives) and, once a newer key took over, for as long as the tokens it
 * signed can live. Every replica reads the same configuration and the same clock, so they
 * switch together without talking to each other.
 */
export class SigningKeyRing {
  private readonly keys: readonly SigningKey[];

  constructor(
    keys: readonly SigningKey[],
    /** How long an access token lives: how long a retired key must still be published. */
    private readonly tokenLifetimeSeconds: number,
  ) {
    if (keys.length === 0) throw new Error('at least one signing key is needed');
    const kids = new Set(keys.map((key) => key.kid));
    if (kids.size !== keys.length) throw new Error('two signing keys have the same kid');
    this.keys = [...keys].sort((a, b) => a.activeFrom.getTime() - b.activeFrom.getTime());
  }

  /** The key that signs tokens issued at `now`. */
  signingKey(now: Date = new Date()): SigningKey {
    const active = this.keys.filter((key) => key.activeFrom <= now).at(-1);
    if (!active)
      throw new Error(
        `no signing key is active yet: the first becomes active at ${this.keys[0]?.activeFrom.toISOString()}`,
      );
    return active;
  }

  /** The keys a verifier must know at `now`: upcoming, current and recently retired ones. */
  publishedKeys(now: Date = new Date()): SigningKey[] {
    // A minute beyond a token's lifetime allows for clocks that disagree a little.
    const retention = (this.tokenLifetimeSeconds + 60) * 1000;
    return this.keys.filter((_key, index) => {
      const successor = this.keys[index + 1];
      return successor === undefined || successor.activeFrom.getTime() + retention > now.getTime();
    });
  }
}

const ecPrivateJwk = z.object({
  kty: z.literal('EC'),
  crv: z.literal('P-256'),
  x: z.string().min(1),
  y: z.string().min(1),
  d: z.string().min(1),
});

/** One entry of `JWT_SIGNING_KEYS`: an ES256 (P-256) private key as a JWK or PKCS#8 PEM. */
export const signingKeyConfig = z.object({
  kid: z
    .string()
    .regex(/^[\w.-]{1,64}$/, 'must be 1 to 64 letters, digits, dots, dashes or underscores')
    .optional(),
  activeFrom: z.iso.datetime({ offset: true }).optional(),
  privateKey: z.union([ecPrivateJwk, z.string().includes('PRIVATE KEY')]),
});
export type SigningKeyConfig = z.input<typeof signingKeyConfig>;

/** Reads a configured key; throws when it is not a P-256 private key. */
export function signingKeyFrom(config: z.output<typeof signingKeyConfig>): SigningKey {
  const privateKey =
    typeof config.privateKey === 'string'
      ? createPrivateKey(config.privateKey)
      : createPrivateKey({ key: config.privateKey, format: 'jwk' });
  if (privateKey.asymmetricKeyType !== 'ec' || privateKey.asymmetricKeyDetails?.namedCurve !== 'prime256v1')
    throw new Error(`${ACCESS_TOKEN_ALGORITHM} needs an EC key on curve P-256`);
  const { x, y } = createPublicKey(privateKey).export({ format: 'jwk' });
  if (typeof x !== 'string' || typeof y !== 'string') throw new Error('the key has no public point');
  const kid = config.kid ?? thumbprint(x, y);
  return {
    kid,
    activeFrom: new Date(config.activeFrom ?? 0),
    privateKey,
    publicJwk: { kty: 'EC', crv: 'P-256', x, y, kid, alg: ACCESS_TOKEN_ALGORITHM, use: 'sig' },
  };
}

/** A fresh key pair, active at once: for tests, and for a lone accounts started without keys. */
export function generateSigningKey(activeFrom: Date = new Date(0)): SigningKey {
  const { privateKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  return signingKeyFrom({
    activeFrom: activeFrom.toISOString(),
    privateKey: privateKey.export({ format: 'pem', type: 'pkcs8' }).toString(),
  });
}

/** RFC 7638 JWK thumbprint: a kid that names the key itself. */
function thumbprint(x: string, y: string): string {
  return createHash('sha256')
    .update(JSON.stringify({ crv: 'P-256', kty: 'EC', x, y }))
    .digest('base64url');
}
