import type { FetchDataRewrite } from '@apollo/query-planner';
import { getOwn, isResultObject, type ResultObject, setOwn } from './result-data';
import type { TypeConditions } from './type-conditions';

const FRAGMENT_PREFIX = '... on ';

type PathStep = { kind: 'field'; name: string } | { kind: 'type'; name: string };

/** A planner's rewrite, read once per plan: where it applies and what it does there. */
export interface CompiledRewrite {
  parent: readonly PathStep[];
  apply: (object: ResultObject) => void;
}

export function compileRewrites(rewrites: readonly FetchDataRewrite[] | undefined): CompiledRewrite[] {
  return (rewrites ?? []).flatMap((rewrite) => {
    const last = rewrite.path[rewrite.path.length - 1];
    if (last === undefined) return [];
    const field = last;
    const parent = rewrite.path
      .slice(0, -1)
      .map(
        (step): PathStep =>
          step.startsWith(FRAGMENT_PREFIX)
            ? { kind: 'type', name: step.slice(FRAGMENT_PREFIX.length) }
            : { kind: 'field', name: step },
      );
    const apply =
      rewrite.kind === 'ValueSetter'
        ? (object: ResultObject) => setOwn(object, field, rewrite.setValueTo)
        : (object: ResultObject) => {
            const value = getOwn(object, field);
            if (value) {
              setOwn(object, rewrite.renameKeyTo, value);
              object[field] = undefined;
            }
          };
    return [{ parent, apply }];
  });
}

/** Applies rewrites to a value in place (the stock gateway's `applyRewrites`). */
export function applyRewrites(
  types: TypeConditions,
  rewrites: readonly CompiledRewrite[],
  value: unknown,
): void {
  for (const rewrite of rewrites) applyAt(types, rewrite.parent, 0, value, rewrite.apply);
}

function applyAt(
  types: TypeConditions,
  path: readonly PathStep[],
  at: number,
  value: unknown,
  apply: (object: ResultObject) => void,
): void {
  if (Array.isArray(value)) {
    for (const element of value) applyAt(types, path, at, element, apply);
    return;
  }
  if (!isResultObject(value)) return;
  const step = path[at];
  if (!step) {
    apply(value);
    return;
  }
  if (step.kind === 'field') applyAt(types, path, at + 1, getOwn(value, step.name), apply);
  // Rewrites apply to objects whose __typename is not known (the stock gateway's choice).
  else if (types.isObjectOfType(value, step.name, true)) applyAt(types, path, at + 1, value, apply);
}
