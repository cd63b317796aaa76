import type { DeferredNode } from '@apollo/query-planner';
import { type PushedStream, pushedStream } from '@shop/platform/pushed-stream';
import { GraphQLError } from 'graphql';
import type { PartsSink } from './execute-plan';
import { getOwn, isResultObject, type ResultObject } from './result-data';
import type { TypeConditions } from './type-conditions';

/** One deferred fragment's data for one object of the answer (`deferSpec=20220824`'s incremental item). */
export interface IncrementalItem {
  data: ResultObject | null;
  path: (string | number)[];
  label?: string;
  errors?: readonly (GraphQLError | Error)[];
}

/** What follows the first part of an answer delivered in parts; `hasNext: false` on the last. */
export interface SubsequentResult {
  incremental?: IncrementalItem[];
  hasNext: boolean;
}

/** An object a deferred block completes, and its path in the client's answer. */
export interface PartTarget {
  path: (string | number)[];
  object: ResultObject;
}

/**
 * The parts of one answer delivered in parts: counts the blocks still to come, turns each
 * block whose fetches are done into its incremental items (`itemsOf`), and streams them; the
 * last says `hasNext: false` and ends the stream.
 */
export class DeferredParts implements PartsSink {
  private pending = 0;
  private readonly delivered = new Set<DeferredNode>();
  readonly results: PushedStream<SubsequentResult>;

  constructor(
    private readonly itemsOf: (
      block: DeferredNode,
      subselection: string | undefined,
      errors: (GraphQLError | Error)[],
    ) => IncrementalItem[],
  ) {
    // A plan has a bounded number of blocks, each one result: the bound is never the reader's speed.
    this.results = pushedStream({
      limit: Number.MAX_SAFE_INTEGER,
      overflow: () => new Error('unreachable: deferred parts are bounded by the plan'),
    });
  }

  /** Whether the plan deferred anything for this request (a false `@defer(if:)` defers nothing). */
  get started(): boolean {
    return this.pending > 0 || this.delivered.size > 0;
  }

  expect(count: number): void {
    this.pending += count;
  }

  deliver(block: DeferredNode, subselection: string | undefined, errors: (GraphQLError | Error)[]): void {
    if (this.delivered.has(block)) return;
    this.delivered.add(block);
    this.pending--;
    let incremental: IncrementalItem[];
    try {
      incremental = this.itemsOf(block, subselection, errors);
    } catch (error) {
      // An answer that cannot be shaped (a subgraph's malformed data) fails its part only.
      incremental = [
        {
          data: null,
          path: [],
          errors: [error instanceof GraphQLError ? error : new GraphQLError((error as Error).message)],
        },
      ];
    }
    const hasNext = this.pending > 0;
    if (incremental.length > 0) this.results.push({ incremental, hasNext });
    else if (!hasNext) this.results.push({ hasNext });
    if (!hasNext) this.results.end();
  }
}

/**
 * The objects a deferred block at `queryPath` completes (response names as the plan fetched
 * them, and `... on T` steps), each with its path in the client's answer: lists are walked
 * element by element, nulls have nothing to complete.
 */
export function partTargets(
  types: TypeConditions,
  data: ResultObject,
  queryPath: readonly string[],
  renames: ReadonlyMap<string, string>,
): PartTarget[] {
  const targets: PartTarget[] = [];
  const walk = (value: unknown, at: number, path: (string | number)[]): void => {
    if (Array.isArray(value)) {
      value.forEach((element, index) => {
        walk(element, at, [...path, index]);
      });
      return;
    }
    if (!isResultObject(value)) return;
    const step = queryPath[at];
    if (step === undefined) {
      targets.push({ path, object: value });
      return;
    }
    if (step.startsWith('... on ')) {
      if (types.isObjectOfType(value, step.slice('... on '.length))) walk(value, at + 1, path);
      return;
    }
    walk(getOwn(value, step), at + 1, [...path, renames.get(step) ?? step]);
  };
  walk(data, 0, []);
  return targets;
}

/** Each error goes to the item whose path it is under; one under none goes to the first item. */
export function errorsByItem(
  targets: readonly PartTarget[],
  errors: readonly (GraphQLError | Error)[],
): (GraphQLError | Error)[][] {
  const byItem = targets.map((): (GraphQLError | Error)[] => []);
  for (const error of errors) {
    const path = error instanceof GraphQLError ? error.path : undefined;
    const index = path ? targets.findIndex((target) => target.path.every((step, i) => path[i] === step)) : -1;
    byItem[index === -1 ? 0 : index]?.push(error);
  }
  return byItem;
}
