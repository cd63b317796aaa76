/** A JSON object of the answer being built: subgraph answers are merged into it in place. */
export type ResultObject = Record<string, unknown>;

export function isResultObject(value: unknown): value is ResultObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

export function hasOwn(object: object, key: string): boolean {
  return Object.hasOwn(object, key);
}

/** A property of the object itself, never one of its prototype's (a subgraph may answer `constructor`). */
export function getOwn(object: ResultObject, key: string): unknown {
  return Object.hasOwn(object, key) ? object[key] : undefined;
}

/** Makes `key` an own property before it is written, so a write never lands on a prototype's setter. */
function defineOwn(object: ResultObject, key: string): void {
  if (!Object.hasOwn(object, key) && key in object)
    Object.defineProperty(object, key, {
      configurable: true,
      enumerable: true,
      writable: true,
      value: undefined,
    });
}

/**
 * Merges a subgraph's answer into what was fetched before, in place (the stock gateway's
 * `deepMerge`: objects merge key by key, lists of the same length element by element, anything
 * else is replaced).
 */
export function deepMerge(target: ResultObject, source: unknown): void {
  if (!isResultObject(source)) return;
  for (const key of Object.keys(source)) {
    const value = source[key];
    if (value === undefined) continue;
    defineOwn(target, key);
    const existing = target[key];
    if (existing && isResultObject(value) && typeof existing === 'object') {
      deepMerge(existing as ResultObject, value);
    } else if (Array.isArray(value) && Array.isArray(existing) && value.length === existing.length) {
      for (let i = 0; i < value.length; i++) {
        const into = existing[i];
        const from = value[i];
        if (isResultObject(into) && isResultObject(from)) deepMerge(into, from);
        else existing[i] = from;
      }
    } else {
      target[key] = value;
    }
  }
}

export function setOwn(object: ResultObject, key: string, value: unknown): void {
  defineOwn(object, key);
  object[key] = value;
}
