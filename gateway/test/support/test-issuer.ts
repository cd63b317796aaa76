import { createServer, type Server } from 'node:http';
import { listen } from '@shop/platform/http';
import { exportJWK, generateKeyPair, type JWK, SignJWT } from 'jose';

type KeyPair = Awaited<ReturnType<typeof generateKeyPair>>;

export interface TokenClaims {
  sub: string;
  role: 'CUSTOMER' | 'ADMIN';
  scope?: string;
  iss?: string;
  aud?: string;
  expiresIn?: string | number;
}

/**
 * Stands in for the accounts service's token issuing: ES256 keys, a JWKS served over HTTP
 * (counting its fetches), and tokens signed with them, including the broken ones attackers send.
 */
export interface TestIssuer {
  jwksUrl: string;
  jwksFetches(): number;
  sign(claims: TokenClaims, key?: 'current' | 'unpublished'): Promise<string>;
  /** A new key signs from now on and joins the JWKS, as in a key rotation. */
  rotate(): Promise<void>;
  /** The oldest key leaves the JWKS, as at the end of a rotation. */
  retire(): void;
  /** Whether the JWKS answers: unreachable, every fetch of it fails (503), as in an accounts outage. */
  setReachable(reachable: boolean): void;
  /** A token with `alg: none`: no signature at all. */
  unsigned(claims: TokenClaims): string;
  stop(): void;
}

export async function startTestIssuer(): Promise<TestIssuer> {
  const published: { kid: string; pair: KeyPair }[] = [];
  const unpublished = { kid: 'not-published', pair: await generateKeyPair('ES256') };
  let fetches = 0;
  let reachable = true;
  const addKey = async () => {
    published.push({ kid: `key-${published.length + 1}`, pair: await generateKeyPair('ES256') });
  };
  await addKey();
  const server: Server = createServer(async (_req, res) => {
    fetches += 1;
    if (!reachable) {
      res.writeHead(503).end();
      return;
    }
    const keys: JWK[] = await Promise.all(
      published.map(async ({ kid, pair }) => ({
        ...(await exportJWK(pair.publicKey)),
        kid,
        alg: 'ES256',
        use: 'sig',
      })),
    );
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end(JSON.stringify({ keys }));
  });
  const port = await listen(server, '127.0.0.1', 0);
  const current = () => published[published.length - 1] as { kid: string; pair: KeyPair };
  return {
    jwksUrl: `http://127.0.0.1:${port}/.well-known/jwks.json`,
    jwksFetches: () => fetches,
    async sign(claims, key = 'current') {
      const { kid, pair } = key === 'current' ? current() : unpublished;
      return new SignJWT({ role: claims.role, scope: claims.scope ?? '' })
        .setProtectedHeader({ alg: 'ES256', kid })
        .setSubject(claims.sub)
        .setIssuer(claims.iss ?? 'shop-accounts')
        .setAudience(claims.aud ?? 'shop-supergraph')
        .setIssuedAt()
        .setExpirationTime(claims.expiresIn ?? '1h')
        .sign(pair.privateKey);
    },
    rotate: addKey,
    retire: () => void published.shift(),
    setReachable: (value) => {
      reachable = value;
    },
    unsigned(claims) {
      const encode = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');
      const now = Math.floor(Date.now() / 1000);
      return `${encode({ alg: 'none', typ: 'JWT', kid: current().kid })}.${encode({
        sub: claims.sub,
        role: claims.role,
        scope: claims.scope ?? '',
        iss: 'shop-accounts',
        aud: 'shop-supergraph',
        iat: now,
        exp: now + 3600,
      })}.`;
    },
    stop: () => server.close(),
  };
}
