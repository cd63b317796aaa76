import type { IncomingMessage } from 'node:http';
import type { Database } from '@shop/platform/db';
import { discardBody, HttpError, readBody } from '@shop/platform/http';
import type { z } from 'zod';
import type { Tables } from '../db/schema';
import { type Principal, principalOf } from '../domain/tokens';

/** The body as JSON, validated: 400 naming the first wrong field, 413 (after the rest is drained) when too large. */
export async function readJson<TSchema extends z.ZodType>(
  req: IncomingMessage,
  limitBytes: number,
  schema: TSchema,
): Promise<{ body: Buffer; value: z.output<TSchema> }> {
  let body: Buffer;
  try {
    body = await readBody(req, limitBytes);
  } catch (error) {
    if (error instanceof HttpError && error.status === 413) await discardBody(req);
    throw error;
  }
  let json: unknown;
  try {
    json = JSON.parse(body.toString('utf8'));
  } catch {
    throw new HttpError(400, 'the request body is not valid JSON');
  }
  const parsed = schema.safeParse(json);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const where = issue && issue.path.length > 0 ? `${issue.path.join('.')}: ` : '';
    throw new HttpError(400, `invalid request: ${where}${issue?.message ?? 'not accepted'}`);
  }
  return { body, value: parsed.data };
}

export function bearerOf(req: IncomingMessage): string | null {
  const header = req.headers.authorization;
  const match = header ? /^Bearer\s+(\S+)$/i.exec(header) : null;
  return match?.[1] ?? null;
}

/** The caller's principal, or 401: no token, an unknown one, or a revoked one. */
export async function requirePrincipal(
  req: IncomingMessage,
  db: Database<Tables>,
  adminToken: string,
): Promise<Principal> {
  const bearer = bearerOf(req);
  if (bearer === null)
    throw new HttpError(401, 'a registry token is required (Authorization: Bearer <token>)');
  const principal = await principalOf(db, bearer, adminToken);
  if (principal === null) throw new HttpError(401, 'the registry token is not valid, or was revoked');
  return principal;
}

export async function requireAdmin(
  req: IncomingMessage,
  db: Database<Tables>,
  adminToken: string,
): Promise<void> {
  const principal = await requirePrincipal(req, db, adminToken);
  if (principal.kind !== 'admin')
    throw new HttpError(403, 'only the registry administrator (REGISTRY_ADMIN_TOKEN) may do this');
}

/** A query-string parameter as a positive integer, or `fallback` when absent; 400 when malformed. */
export function positiveIntParam(req: IncomingMessage, name: string, fallback?: number): number | undefined {
  const raw = new URL(req.url ?? '/', 'http://registry').searchParams.get(name);
  if (raw === null || raw === '') return fallback;
  if (!/^\d{1,9}$/.test(raw) || Number(raw) < 1)
    throw new HttpError(400, `${name} must be a positive integer`);
  return Number(raw);
}

const CONNECTION_FAILURES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'CONNECTION_ENDED',
  'CONNECTION_CLOSED',
  'CONNECTION_DESTROYED',
  'CONNECT_TIMEOUT',
  '57P01',
  '57P02',
  '57P03',
]);

/** A database that went away is the registry's outage, said as one: 503, nothing changed (the transaction rolled back). */
export function asUnavailable(error: unknown): unknown {
  // Drizzle wraps the driver's error: its code is on a cause.
  let cause: unknown = error;
  let connectionLost = false;
  for (let depth = 0; cause && depth < 5; depth++) {
    const code = (cause as { code?: string }).code;
    if (code !== undefined && CONNECTION_FAILURES.has(code)) connectionLost = true;
    cause = (cause as { cause?: unknown }).cause;
  }
  return connectionLost
    ? new HttpError(
        503,
        'the registry database is unavailable; nothing was changed, try again',
        'UNAVAILABLE',
      )
    : error;
}
