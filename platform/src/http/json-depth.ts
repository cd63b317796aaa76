import { HttpError } from './respond';

/** Deepest nesting of arrays and objects a request's JSON may have: far beyond any real input. */
export const MAX_JSON_DEPTH = 64;

const OPEN_OBJECT = 0x7b; // {
const OPEN_ARRAY = 0x5b; // [
const CLOSE_OBJECT = 0x7d; // }
const CLOSE_ARRAY = 0x5d; // ]
const QUOTE = 0x22; // "
const BACKSLASH = 0x5c; // \

/**
 * Refuses JSON nested deeper than `MAX_JSON_DEPTH` with 400, in one pass over the text and
 * before anything parses it: JSON.parse copes with 100,000 levels, but every recursive walk
 * after it (JSON.stringify of a cache key, input coercion) overflows the stack.
 */
export function assertJsonDepth(json: string | Buffer, what: string): void {
  const text = typeof json === 'string' ? Buffer.from(json, 'utf8') : json;
  let depth = 0;
  let inString = false;
  for (let index = 0; index < text.length; index += 1) {
    const byte = text[index];
    if (inString) {
      if (byte === BACKSLASH) index += 1;
      else if (byte === QUOTE) inString = false;
    } else if (byte === QUOTE) inString = true;
    else if (byte === OPEN_OBJECT || byte === OPEN_ARRAY) {
      depth += 1;
      if (depth > MAX_JSON_DEPTH)
        throw new HttpError(400, `${what} is nested more than ${MAX_JSON_DEPTH} levels deep.`, 'BAD_REQUEST');
    } else if (byte === CLOSE_OBJECT || byte === CLOSE_ARRAY) depth -= 1;
  }
}
