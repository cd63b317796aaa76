import { ErrorCode } from '@shop/platform/errors';
import { type DocumentNode, GraphQLError, type GraphQLSchema, validate } from 'graphql';
import { type InterruptibleStream, interruptibleStream } from './interruptible-stream';

interface Running {
  document: DocumentNode;
  stream: InterruptibleStream<unknown>;
}

/**
 * The subscriptions running on any version of the supergraph. Each keeps the plan it started
 * with; when a new version is served, those whose operation is no longer valid against its schema
 * (a field, an argument or a type they use is gone) are ended with SUBSCRIPTION_ENDED, so their
 * client subscribes again on the new version rather than waiting for events that will not fit it.
 */
export class SubscriptionsAcrossReloads {
  private readonly running = new Set<Running>();
  private schema: GraphQLSchema | null = null;

  /** The events of a subscription started on `startedOn`, ended if the schema served now cannot run it. */
  follow<T>(document: DocumentNode, events: AsyncIterableIterator<T>, startedOn: GraphQLSchema) {
    const running: Running = { document, stream: null as unknown as InterruptibleStream<unknown> };
    const stream = interruptibleStream(events, () => this.running.delete(running));
    running.stream = stream as InterruptibleStream<unknown>;
    this.running.add(running);
    // A reload while it was being planned: it is judged now, as the others were then.
    if (this.schema && this.schema !== startedOn) this.judge(running, this.schema);
    return stream as AsyncIterableIterator<T>;
  }

  /** A new version is served: ends the subscriptions it cannot run; returns how many. */
  served(schema: GraphQLSchema): number {
    this.schema = schema;
    let ended = 0;
    for (const running of [...this.running]) if (this.judge(running, schema)) ended += 1;
    return ended;
  }

  /** Subscriptions running now (on any version). */
  get size(): number {
    return this.running.size;
  }

  private judge(running: Running, schema: GraphQLSchema): boolean {
    const invalid = validate(schema, running.document);
    if (invalid.length === 0) return false;
    running.stream.interrupt(supergraphReloaded(invalid));
    return true;
  }
}

function supergraphReloaded(invalid: readonly GraphQLError[]): GraphQLError {
  const reasons = invalid.map((error) => error.message).join(' ');
  return new GraphQLError(
    `The gateway reloaded its supergraph, and the new one cannot serve this subscription (${reasons}): it was ended. Subscribe again with an operation the new schema accepts.`,
    { extensions: { code: ErrorCode.SUBSCRIPTION_ENDED } },
  );
}

/** A reload changed the access rules of fields a running subscription uses: it ends rather than go on under the old ones. */
export function accessRulesChanged(): GraphQLError {
  return new GraphQLError(
    'The gateway reloaded its supergraph with new access rules for fields this subscription uses: it was ended. Subscribe again.',
    { extensions: { code: ErrorCode.SUBSCRIPTION_ENDED } },
  );
}
