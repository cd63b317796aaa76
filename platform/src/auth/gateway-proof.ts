import { createHash, createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import { isIP } from 'node:net';
import { z } from 'zod';
import type { Caller } from './caller';
import type { SeenNonces } from './seen-nonces';

/**
 * Proof that a request to a subgraph comes from the gateway, and on whose behalf. The gateway
 * signs every subgraph request with that subgraph's own secret: an HMAC-SHA256 over the
 * timestamp, method, path, a digest of the body and the identity headers. A subgraph answers
 * GraphQL only with a valid proof, and takes the caller from nowhere else, so a forged
 * `_entities` call or a made-up `x-shop-caller` header sent straight to it gets nothing. Each
 * proof carries a random nonce the subgraph replica remembers while the proof is valid, so a
 * captured request cannot be sent again.
 */
export const GatewayProofHeader = {
  /** base64url JSON `{ sub, role, scopes }` of the verified user; absent for anonymous requests. */
  CALLER: 'x-shop-caller',
  /** The client's address as the gateway saw it (for per-address limits); absent when unknown. */
  CLIENT_ADDRESS: 'x-shop-client-address',
  /** When the gateway signed, in milliseconds since the epoch. */
  TIMESTAMP: 'x-shop-gateway-timestamp',
  /** Random, once per request: a subgraph replica accepts each nonce once. */
  NONCE: 'x-shop-gateway-nonce',
  /** `v1=` and the hex HMAC-SHA256 of the canonical request. */
  SIGNATURE: 'x-shop-gateway-signature',
} as const;

/**
 * How far a proof's timestamp may be from the subgraph's clock, either way: room for clock skew
 * and a request queued at the gateway, and how long a replica remembers a nonce.
 */
export const GATEWAY_PROOF_WINDOW_MS = 15_000;
/** Shorter secrets are refused: an HMAC key must not be guessable. */
export const MIN_GATEWAY_SECRET_LENGTH = 32;

/** An environment variable of HMAC secrets, comma-separated (two during a rotation), each long enough. */
export const hmacSecretsEnv = z
  .string()
  .default('')
  .transform((value) =>
    value
      .split(',')
      .map((secret) => secret.trim())
      .filter((secret) => secret.length > 0),
  )
  .pipe(
    z.array(
      z
        .string()
        .min(MIN_GATEWAY_SECRET_LENGTH, `must be at least ${MIN_GATEWAY_SECRET_LENGTH} characters long`),
    ),
  );

export interface GatewayRequest {
  method: string;
  /** Path and query string, as the subgraph receives them (`/graphql`). */
  path: string;
  /** The exact bytes of the body. */
  body: string | Uint8Array;
}

export interface VerifiedGatewayRequest {
  caller: Caller | null;
  clientAddress: string | null;
}

/** A request without a valid proof: 401 when it carries none, 403 when it carries a wrong, stale or altered one. */
export class GatewayProofError extends Error {
  constructor(
    readonly status: 401 | 403,
    message: string,
  ) {
    super(message);
    this.name = 'GatewayProofError';
  }
}

/** The gateway's side: the headers that prove `request` comes from it, on behalf of `caller`. */
export function signGatewayRequest(
  secret: string,
  request: GatewayRequest & { caller: Caller | null; clientAddress?: string | null; now?: number },
): Record<string, string> {
  if (secret.length < MIN_GATEWAY_SECRET_LENGTH)
    throw new Error(`a gateway secret must be at least ${MIN_GATEWAY_SECRET_LENGTH} characters long`);
  const timestamp = String(Math.trunc(request.now ?? Date.now()));
  const caller = request.caller ? encodeCaller(request.caller) : undefined;
  const clientAddress = request.clientAddress ?? undefined;
  const nonce = randomBytes(16).toString('base64url');
  const headers: Record<string, string> = {
    [GatewayProofHeader.TIMESTAMP]: timestamp,
    [GatewayProofHeader.NONCE]: nonce,
  };
  if (caller !== undefined) headers[GatewayProofHeader.CALLER] = caller;
  if (clientAddress !== undefined) headers[GatewayProofHeader.CLIENT_ADDRESS] = clientAddress;
  headers[GatewayProofHeader.SIGNATURE] =
    `v1=${hmac(secret, canonicalRequest(request, timestamp, nonce, caller, clientAddress))}`;
  return headers;
}

/**
 * The subgraph's side: checks the proof against each accepted secret (several during a
 * rotation) in constant time, refuses a nonce this replica has seen (`nonces`, one per
 * process), and returns who the request is for. Throws `GatewayProofError`.
 */
export function verifyGatewayRequest(
  secrets: string | readonly string[],
  request: GatewayRequest & {
    headers: Readonly<Record<string, string | string[] | undefined>>;
    nonces: SeenNonces;
    now?: number;
  },
): VerifiedGatewayRequest {
  const header = (name: string) => {
    const value = request.headers[name];
    if (Array.isArray(value)) throw invalid(`${name} was sent more than once`);
    return value;
  };
  const timestamp = header(GatewayProofHeader.TIMESTAMP);
  const signature = header(GatewayProofHeader.SIGNATURE);
  if (timestamp === undefined && signature === undefined)
    throw new GatewayProofError(
      401,
      'This service answers only the gateway: the request carries no gateway proof.',
    );
  if (timestamp === undefined || !/^\d{1,15}$/.test(timestamp))
    throw invalid('the proof timestamp is malformed');
  const given = /^v1=([0-9a-f]{64})$/.exec(signature ?? '')?.[1];
  if (given === undefined) throw invalid('the proof signature is malformed');
  const nonce = header(GatewayProofHeader.NONCE);
  if (nonce === undefined || !/^[A-Za-z0-9_-]{16,64}$/.test(nonce))
    throw invalid('the proof nonce is malformed');
  const now = request.now ?? Date.now();
  if (Math.abs(now - Number(timestamp)) > GATEWAY_PROOF_WINDOW_MS)
    throw invalid('the proof is too old (or from the future)');

  const caller = header(GatewayProofHeader.CALLER);
  const clientAddress = header(GatewayProofHeader.CLIENT_ADDRESS);
  const canonical = canonicalRequest(request, timestamp, nonce, caller, clientAddress);
  const givenBytes = Buffer.from(given, 'hex');
  // Every secret is tried, so the time taken does not tell which one (if any) matched.
  let matched = false;
  for (const secret of typeof secrets === 'string' ? [secrets] : secrets) {
    if (secret.length < MIN_GATEWAY_SECRET_LENGTH) continue;
    if (timingSafeEqual(Buffer.from(hmac(secret, canonical), 'hex'), givenBytes)) matched = true;
  }
  if (!matched) throw invalid('the proof signature does not match the request');
  // Remembered only once the signature holds: made-up nonces cost this replica nothing.
  if (!request.nonces.remember(nonce, Number(timestamp) + GATEWAY_PROOF_WINDOW_MS, now))
    throw invalid('the proof was used before (a replayed request)');

  if (clientAddress !== undefined && isIP(clientAddress) === 0)
    throw invalid('the client address is not an IP address');
  return { caller: caller === undefined ? null : decodeCaller(caller), clientAddress: clientAddress ?? null };
}

function invalid(reason: string): GatewayProofError {
  return new GatewayProofError(403, `The gateway proof is not valid: ${reason}.`);
}

// Fields are joined by newlines, which none of them can contain (headers, a method and a path cannot).
function canonicalRequest(
  request: GatewayRequest,
  timestamp: string,
  nonce: string,
  caller: string | undefined,
  clientAddress: string | undefined,
): string {
  return [
    'v1',
    timestamp,
    nonce,
    request.method.toUpperCase(),
    request.path,
    createHash('sha256').update(request.body).digest('hex'),
    caller ?? '',
    clientAddress ?? '',
  ].join('\n');
}

function hmac(secret: string, data: string): string {
  return createHmac('sha256', secret).update(data).digest('hex');
}

const callerClaims = z.object({
  sub: z.string().min(1).max(200),
  role: z.enum(['CUSTOMER', 'ADMIN']),
  scopes: z.array(z.string().min(1).max(100)).max(100),
});

function encodeCaller(caller: Caller): string {
  const claims: z.input<typeof callerClaims> = {
    sub: caller.userId,
    role: caller.role,
    scopes: [...caller.scopes],
  };
  return Buffer.from(JSON.stringify(claims)).toString('base64url');
}

function decodeCaller(header: string): Caller {
  let json: unknown;
  try {
    json = JSON.parse(Buffer.from(header, 'base64url').toString('utf8'));
  } catch {
    throw invalid('the caller header is not base64url JSON');
  }
  const parsed = callerClaims.safeParse(json);
  if (!parsed.success) throw invalid('the caller header does not describe a caller');
  return { userId: parsed.data.sub, role: parsed.data.role, scopes: parsed.data.scopes };
}
