import type { OperationUsage } from '@shop/platform/schema';
import type { GraphQLSchema } from 'graphql';

/** Signatures kept per schema; past this many the oldest is forgotten (client-made documents are unbounded). */
const MAX_SIGNATURES = 2000;

/** An operation as the registry counts it: its name and usage (signature hash, coordinates). */
export interface KnownOperation {
  name: string | null;
  usage: OperationUsage;
}

/**
 * Each document's usage, worked out once per schema version and kept by what a request names
 * it with (the sha256 of its text, as Apollo's queryHash and a persisted query's hash are, and
 * the operationName it sent), so an answer from the response cache is counted without parsing.
 */
export class OperationSignatures {
  private readonly bySchema = new WeakMap<GraphQLSchema, Map<string, KnownOperation>>();

  get(schema: GraphQLSchema, queryHash: string, requestedName: string | null): KnownOperation | undefined {
    return this.bySchema.get(schema)?.get(keyOf(queryHash, requestedName));
  }

  remember(
    schema: GraphQLSchema,
    queryHash: string,
    requestedName: string | null,
    compute: () => KnownOperation,
  ): KnownOperation {
    let known = this.bySchema.get(schema);
    if (!known) {
      known = new Map();
      this.bySchema.set(schema, known);
    }
    const key = keyOf(queryHash, requestedName);
    let operation = known.get(key);
    if (!operation) {
      operation = compute();
      if (known.size >= MAX_SIGNATURES) known.delete(known.keys().next().value as string);
      known.set(key, operation);
    }
    return operation;
  }
}

const keyOf = (queryHash: string, requestedName: string | null) => `${queryHash}\n${requestedName ?? ''}`;
