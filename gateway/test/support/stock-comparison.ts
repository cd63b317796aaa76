import { parse, print, visit } from 'graphql';

export interface ComparedOperation {
  query: string;
  variables: Record<string, unknown>;
  headers?: Record<string, string>;
}

export interface Difference {
  operation: ComparedOperation;
  ours: string;
  stock: string;
}

async function answer(url: string, operation: ComparedOperation): Promise<string> {
  const response = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...operation.headers },
    body: JSON.stringify({ query: operation.query, variables: operation.variables }),
  });
  return `${response.status} ${inErrorOrder(await response.text())}`;
}

/**
 * The body with its errors sorted, and otherwise as it came. The one liberty taken: the stock
 * executor lists errors in the order its parallel fetches happen to answer, so their order is
 * not the stock gateway's to promise either.
 */
function inErrorOrder(body: string): string {
  let parsed: { errors?: unknown[] } & Record<string, unknown>;
  try {
    parsed = JSON.parse(body);
  } catch {
    return body;
  }
  // Only a body that is exactly its own JSON is re-written, so nothing but the order can change.
  const end = body.endsWith('\n') ? '\n' : '';
  if (!Array.isArray(parsed.errors) || parsed.errors.length < 2 || `${JSON.stringify(parsed)}${end}` !== body)
    return body;
  const errors = parsed.errors.map((error) => JSON.stringify(error)).sort();
  return `${JSON.stringify({ ...parsed, errors: [] }).replace('"errors":[]', `"errors":[${errors.join(',')}]`)}${end}`;
}

export interface Comparison {
  differences: Difference[];
  /** Answers (of ours) with some data: a comparison of nothing but errors would prove little. */
  withData: number;
}

/**
 * Sends each operation to our gateway and to the stock one, a few at a time, and returns those
 * whose answers (status and body, byte for byte but for the order of errors) differ.
 */
export async function compareWithStock(
  oursUrl: string,
  stockUrl: string,
  operations: readonly ComparedOperation[],
  concurrency = 6,
): Promise<Comparison> {
  const differences: Difference[] = [];
  let withData = 0;
  let next = 0;
  const worker = async () => {
    while (next < operations.length) {
      const operation = operations[next++];
      if (!operation) break;
      const [ours, stock] = await Promise.all([
        answer(oursUrl, operation),
        answer(stockUrl, withoutDefer(operation)),
      ]);
      if (ours !== stock) differences.push({ operation, ours, stock });
      if (ours.includes('"data":{')) withData += 1;
    }
  };
  await Promise.all(Array.from({ length: concurrency }, worker));
  return { differences, withData };
}

/**
 * The stock gateway knows no `@defer` (it refuses the directive): it gets the operation without
 * it, whose answer our whole answer to the deferred one must equal.
 */
function withoutDefer(operation: ComparedOperation): ComparedOperation {
  if (!operation.query.includes('@defer')) return operation;
  const document = visit(parse(operation.query), {
    Directive: (node) => (node.name.value === 'defer' ? null : undefined),
  });
  return { ...operation, query: print(document) };
}

/** What a failing differential test prints: each operation, its variables and both answers. */
export function describeDifferences(differences: readonly Difference[], total: number, shown = 5): string {
  if (differences.length === 0) return 'no differences';
  const lines = [`${differences.length} of ${total} operations answered differently:`];
  for (const { operation, ours, stock } of differences.slice(0, shown))
    lines.push(
      '',
      operation.query,
      `variables: ${JSON.stringify(operation.variables)}`,
      `ours:  ${ours}`,
      `stock: ${stock}`,
    );
  if (differences.length > shown) lines.push('', `… and ${differences.length - shown} more`);
  return lines.join('\n');
}
