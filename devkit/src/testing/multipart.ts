/** One JSON part of a `multipart/mixed` answer, with when it arrived (ms since the request was sent). */
export interface ReceivedPart {
  body: Record<string, unknown>;
  atMs: number;
}

export interface DeferredAnswer {
  status: number;
  contentType: string;
  parts: ReceivedPart[];
}

/** The `accept` header Apollo Client sends for an operation that may be answered in parts. */
export const ACCEPT_DEFER =
  'multipart/mixed;deferSpec=20220824,application/graphql-response+json;q=0.9,application/json;q=0.8';

/**
 * POSTs an operation and reads the answer part by part as it streams in (a whole JSON answer
 * is one part): what a test needs to say that the first part came before the slow one.
 */
export async function postForParts(
  url: string,
  /** The request's JSON: `query` and `variables`, or a persisted operation's id in `extensions`. */
  body: Record<string, unknown>,
  headers: Record<string, string> = {},
): Promise<DeferredAnswer> {
  const started = performance.now();
  const response = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', accept: ACCEPT_DEFER, ...headers },
    body: JSON.stringify(body),
  });
  const contentType = response.headers.get('content-type') ?? '';
  if (!contentType.startsWith('multipart/mixed'))
    return {
      status: response.status,
      contentType,
      parts: [
        { body: (await response.json()) as Record<string, unknown>, atMs: performance.now() - started },
      ],
    };
  const boundary = /boundary="?([^";]+)"?/.exec(contentType)?.[1] ?? '-';
  const parts: ReceivedPart[] = [];
  let buffered = '';
  const decoder = new TextDecoder();
  if (!response.body) throw new Error('a multipart answer without a body');
  for await (const chunk of response.body) {
    buffered += decoder.decode(chunk, { stream: true });
    // Each part: headers, a blank line, its JSON, then the next delimiter.
    for (;;) {
      const start = buffered.indexOf('\r\n\r\n');
      const end = buffered.indexOf(`\r\n--${boundary}`, start + 4);
      if (start === -1 || end === -1) break;
      const json = buffered.slice(start + 4, end);
      parts.push({ body: JSON.parse(json) as Record<string, unknown>, atMs: performance.now() - started });
      buffered = buffered.slice(end + `\r\n--${boundary}`.length);
    }
  }
  return { status: response.status, contentType, parts };
}

/**
 * The answer the parts add up to, merged as Apollo Client merges them (each item's data at its
 * path), with every part's errors: what must equal the whole answer to the same operation.
 */
export function assembleParts(parts: readonly ReceivedPart[]): { data: unknown; errors: unknown[] } {
  const [first, ...rest] = parts;
  const data = structuredClone(first?.body.data ?? null) as Record<string, unknown> | null;
  const errors = [...((first?.body.errors as unknown[] | undefined) ?? [])];
  for (const part of rest)
    for (const item of (part.body.incremental as IncrementalItem[] | undefined) ?? []) {
      errors.push(...(item.errors ?? []));
      let target: unknown = data;
      for (const step of item.path) target = (target as Record<string | number, unknown> | null)?.[step];
      if (target && typeof target === 'object' && item.data)
        mergeInto(target as Record<string, unknown>, item.data);
    }
  return { data, errors };
}

interface IncrementalItem {
  data: Record<string, unknown> | null;
  path: (string | number)[];
  errors?: unknown[];
}

function mergeInto(target: Record<string, unknown>, source: Record<string, unknown>): void {
  for (const [key, value] of Object.entries(source)) {
    const existing = target[key];
    if (isObject(existing) && isObject(value)) mergeInto(existing, value);
    else if (Array.isArray(existing) && Array.isArray(value))
      value.forEach((element, index) => {
        if (isObject(existing[index]) && isObject(element)) mergeInto(existing[index], element);
        else existing[index] = element;
      });
    else target[key] = value;
  }
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
