import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import type { Database } from '@shop/platform/db';
import { and, asc, eq, isNull } from 'drizzle-orm';
import { subgraphs, type Tables, tokens } from '../db/schema';

/** Who a request comes from: the administrator (REGISTRY_ADMIN_TOKEN) or the holder of one subgraph's token. */
export type Principal =
  | { kind: 'admin'; label: 'admin' }
  | { kind: 'publisher'; subgraph: string; label: string; tokenId: number };

/** A subgraph name as composition and the CLI accept it. */
export const SUBGRAPH_NAME = /^[a-z][a-z0-9_-]{0,62}$/;

const TOKEN_PREFIX = 'shreg_';
const sha256 = (value: string) => createHash('sha256').update(value).digest('hex');

export interface CreatedToken {
  id: number;
  subgraph: string;
  label: string;
  /** Shown once: only its hash is stored. */
  token: string;
}

/** A new publish token for `subgraph`, registering the subgraph if this is its first. */
export async function createToken(
  db: Database<Tables>,
  subgraph: string,
  label: string,
): Promise<CreatedToken> {
  const token = `${TOKEN_PREFIX}${randomBytes(32).toString('base64url')}`;
  return db.transaction(async (tx) => {
    await tx.insert(subgraphs).values({ name: subgraph }).onConflictDoNothing();
    const [row] = await tx
      .insert(tokens)
      .values({ subgraph, label, hash: sha256(token) })
      .returning({ id: tokens.id });
    return { id: (row as { id: number }).id, subgraph, label, token };
  });
}

/** Revokes token `id`; false when there is no such live token. */
export async function revokeToken(db: Database<Tables>, id: number): Promise<boolean> {
  const revoked = await db
    .update(tokens)
    .set({ revokedAt: new Date() })
    .where(and(eq(tokens.id, id), isNull(tokens.revokedAt)))
    .returning({ id: tokens.id });
  return revoked.length > 0;
}

export function listTokens(db: Database<Tables>) {
  return db
    .select({
      id: tokens.id,
      subgraph: tokens.subgraph,
      label: tokens.label,
      createdAt: tokens.createdAt,
      revokedAt: tokens.revokedAt,
    })
    .from(tokens)
    .orderBy(asc(tokens.id));
}

export async function subgraphExists(db: Database<Tables>, name: string): Promise<boolean> {
  const found = await db.select({ name: subgraphs.name }).from(subgraphs).where(eq(subgraphs.name, name));
  return found.length > 0;
}

/** The principal a bearer token stands for; null for an unknown or revoked one. */
export async function principalOf(
  db: Database<Tables>,
  bearer: string,
  adminToken: string,
): Promise<Principal | null> {
  if (adminToken !== '' && sameSecret(bearer, adminToken)) return { kind: 'admin', label: 'admin' };
  if (!bearer.startsWith(TOKEN_PREFIX)) return null;
  const [row] = await db
    .select({ id: tokens.id, subgraph: tokens.subgraph, label: tokens.label })
    .from(tokens)
    .where(and(eq(tokens.hash, sha256(bearer)), isNull(tokens.revokedAt)));
  return row ? { kind: 'publisher', subgraph: row.subgraph, label: row.label, tokenId: row.id } : null;
}

// Compared as hashes: equal lengths, and the time taken tells nothing of the admin token.
function sameSecret(given: string, expected: string): boolean {
  return timingSafeEqual(Buffer.from(sha256(given), 'hex'), Buffer.from(sha256(expected), 'hex'));
}
