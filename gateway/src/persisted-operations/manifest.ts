import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { z } from 'zod';
import { canonicalOperation } from './canonical-operation';

/** Apollo's persisted query manifest, as `npm run codegen` writes it to schema/persisted-operations.json. */
const manifestSchema = z.object({
  format: z.literal('apollo-persisted-query-manifest'),
  version: z.literal(1),
  operations: z.array(
    z.object({
      id: z.string().regex(/^[0-9a-f]{64}$/, 'must be a sha256 in hex'),
      name: z.string().min(1),
      type: z.enum(['query', 'mutation', 'subscription']),
      body: z.string().min(1),
    }),
  ),
});

export type PersistedOperation = z.infer<typeof manifestSchema>['operations'][number];

export const sha256 = (text: string): string => createHash('sha256').update(text).digest('hex');

/** The operations a client may send, by id and by their text in canonical form. */
export class PersistedOperations {
  private readonly byId = new Map<string, PersistedOperation>();
  private readonly byCanonicalText = new Map<string, PersistedOperation>();

  constructor(operations: readonly PersistedOperation[]) {
    for (const operation of operations) {
      const canonical = canonicalOperation(operation.body, operation.name);
      if (canonical === null) throw new Error(`operation ${operation.name}: the body is not that operation`);
      if (sha256(operation.body) !== operation.id)
        throw new Error(`operation ${operation.name}: the id is not the sha256 of the body`);
      this.byId.set(operation.id, operation);
      this.byCanonicalText.set(canonical, operation);
    }
  }

  get size(): number {
    return this.byId.size;
  }

  /** The operations, in the manifest's order. */
  list(): PersistedOperation[] {
    return [...this.byId.values()];
  }

  /** The operations' names. */
  names(): string[] {
    return this.list().map((operation) => operation.name);
  }

  /** The body of the operation with this id (`extensions.persistedQuery.sha256Hash`). */
  bodyOf(id: string): string | undefined {
    return this.byId.get(id)?.body;
  }

  /**
   * Whether a request's text is an operation of the manifest: its sha256 is an id (the text
   * was sent as it stands in the manifest), or it is the same operation written differently.
   */
  includes(text: string, textHash: string, operationName?: string | null): boolean {
    const byHash = this.byId.get(textHash);
    if (byHash && (!operationName || operationName === byHash.name)) return true;
    const canonical = canonicalOperation(text, operationName);
    return canonical !== null && this.byCanonicalText.has(canonical);
  }
}

export async function readPersistedOperations(path: string): Promise<PersistedOperations> {
  const text = await readFile(path, 'utf8');
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (error) {
    throw new Error(`not JSON: ${(error as Error).message}`);
  }
  const parsed = manifestSchema.safeParse(json);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new Error(`not a persisted query manifest: ${issue?.path.join('.') || '(top)'}: ${issue?.message}`);
  }
  return new PersistedOperations(parsed.data.operations);
}
