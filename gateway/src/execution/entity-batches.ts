import type { GraphQLFormattedError } from 'graphql';
import type {
  CacheHint,
  CachePolicy,
  SubgraphAnswer,
  SubgraphCall,
  SubgraphRequest,
  SubgraphService,
} from '../fetcher/subgraph-service';

export interface EntityBatchOptions {
  /** Merge the entity fetches of different operations that are ready together (else each operation's alone). */
  acrossOperations: boolean;
}

// Most representations a merged request collects; one operation's own list is sent whole, however long.
const MAX_BATCH_REPRESENTATIONS = 500;

interface Member {
  request: SubgraphRequest;
  call: SubgraphCall;
  representations: readonly unknown[];
  resolve: (answer: SubgraphAnswer) => void;
  reject: (error: unknown) => void;
}

interface Batch {
  members: Member[];
  representations: number;
}

/**
 * Sends entities to a subgraph in as few requests as give the same answers. The query planner
 * sends one `_entities` request per fetch of each operation, listing every occurrence of an
 * entity (the same author under twenty reviews is twenty representations). Here:
 *
 * - each entity is sent once, and its answer spread back over every occurrence, errors included;
 * - entity fetches of different operations that are ready in the same turn of the event loop
 *   (a loaded gateway finishes many subgraph answers per turn, and their next fetches start
 *   together) go as one request when they are the same query with the same other variables on
 *   behalf of the same caller from the same client address: everything the subgraph sees and the
 *   gateway's proof signs, except the representations, is equal. Each operation gets exactly
 *   what the subgraph answered for its own representations, and the cache hints of the answer.
 *
 * A batch goes out on `setImmediate`, right after the turn's I/O: no timer, no added wait.
 * The request carries the first operation's request id and trace; a failed request fails every
 * operation in it (each then answers its fields with null, see partial results).
 */
export function batchEntityFetches(service: SubgraphService, options: EntityBatchOptions): SubgraphService {
  const open = new Map<string, Batch>();
  return {
    send(request, call) {
      const { representations } = request.variables;
      if (!Array.isArray(representations) || representations.length === 0) return service.send(request, call);
      return new Promise<SubgraphAnswer>((resolve, reject) => {
        const member: Member = { request, call, representations, resolve, reject };
        if (!options.acrossOperations) {
          flush(service, [member]);
          return;
        }
        const key = batchKey(request, call);
        let batch = open.get(key);
        if (batch && batch.representations + representations.length > MAX_BATCH_REPRESENTATIONS) {
          open.delete(key);
          batch = undefined;
        }
        if (!batch) {
          const started: Batch = { members: [], representations: 0 };
          open.set(key, started);
          setImmediate(() => {
            if (open.get(key) === started) open.delete(key);
            flush(service, started.members);
          });
          batch = started;
        }
        batch.members.push(member);
        batch.representations += representations.length;
      });
    },
  };
}

/** Everything of a request but its representations: what must be equal for two to go as one. */
function batchKey(request: SubgraphRequest, call: SubgraphCall): string {
  const { representations: _representations, ...others } = request.variables;
  const rest = JSON.stringify([request.operationName ?? null, others, call.caller, call.clientAddress]);
  return `${request.query}\n${rest}`;
}

/** Sends a batch; whatever goes wrong fails its operations, never the process. */
function flush(service: SubgraphService, members: readonly Member[]): void {
  send(service, members).catch((error: unknown) => {
    for (const member of members) member.reject(error);
  });
}

async function send(service: SubgraphService, members: readonly Member[]): Promise<void> {
  const [first] = members;
  if (!first) return;
  // Occurrence j of member i's list is unique entity sentAs[i][j].
  const uniqueIndex = new Map<string, number>();
  const unique: unknown[] = [];
  const sentAs = members.map((member) =>
    member.representations.map((representation) => {
      const key = JSON.stringify(representation);
      let index = uniqueIndex.get(key);
      if (index === undefined) {
        index = unique.length;
        uniqueIndex.set(key, index);
        unique.push(representation);
      }
      return index;
    }),
  );
  const total = members.reduce((sum, member) => sum + member.representations.length, 0);
  if (members.length === 1 && unique.length === total)
    return service.send(first.request, first.call).then(first.resolve, first.reject);

  const hints = new CacheHintRecorder();
  let response: SubgraphAnswer;
  try {
    response = await service.send(
      { ...first.request, variables: { ...first.request.variables, representations: unique } },
      { ...first.call, cachePolicy: hints },
    );
  } catch (error) {
    for (const member of members) member.reject(error);
    return;
  }
  const { data: shared, errors: sharedErrors, ...rest } = response;
  const entities = shared?._entities;
  const answered = Array.isArray(entities) && entities.length === unique.length ? entities : null;
  const handedOut = new Set<unknown>();
  // Each occurrence gets its own object: the gateway merges into what it receives.
  const own = <T>(value: T): T => {
    if (value === null || typeof value !== 'object') return value;
    if (!handedOut.has(value)) {
      handedOut.add(value);
      return value;
    }
    return cloneJson(value);
  };
  members.forEach((member, memberIndex) => {
    const indexes = sentAs[memberIndex] ?? [];
    hints.replayOn(member.call.cachePolicy);
    const data = answered
      ? { ...shared, _entities: indexes.map((index) => own(answered[index])) }
      : own(shared);
    const errors = sharedErrors?.flatMap((error) => errorsFor(error, indexes)) ?? [];
    member.resolve({ ...rest, data, ...(errors.length > 0 ? { errors } : {}) });
  });
}

/** A copy of a value parsed from JSON (several times faster than structuredClone for these). */
function cloneJson<T>(value: T): T {
  if (value === null || typeof value !== 'object') return value;
  if (Array.isArray(value)) return value.map(cloneJson) as T;
  const copy: Record<string, unknown> = {};
  for (const key of Object.keys(value)) copy[key] = cloneJson((value as Record<string, unknown>)[key]);
  return copy as T;
}

/** An error at `_entities[u]…` belongs to each occurrence of unique entity u; any other error to every operation. */
function errorsFor(error: GraphQLFormattedError, sentAs: readonly number[]): GraphQLFormattedError[] {
  const [root, index, ...rest] = error.path ?? [];
  if (root !== '_entities' || typeof index !== 'number') return [error];
  return sentAs.flatMap((unique, occurrence) =>
    unique === index ? [{ ...error, path: ['_entities', occurrence, ...rest] }] : [],
  );
}

/**
 * Stands in for an operation's cache policy while a shared request is answered, and then tells
 * each operation's own policy what the answer's `Cache-Control` said.
 */
class CacheHintRecorder implements CachePolicy {
  private readonly hints: CacheHint[] = [];

  restrict(hint: CacheHint): void {
    this.hints.push(hint);
  }

  replayOn(policy: CachePolicy | null): void {
    if (policy) for (const hint of this.hints) policy.restrict(hint);
  }
}
