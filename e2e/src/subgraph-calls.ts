import type { Stack } from '@shop/scripts/lib/stack';

/** GraphQL requests each subgraph has served so far (its `http_requests_total` on `/graphql`). */
export async function subgraphCalls(stack: Pick<Stack, 'subgraphs'>): Promise<number> {
  let total = 0;
  for (const service of stack.subgraphs.values()) {
    const text = await (await fetch(`http://127.0.0.1:${service.port}/metrics`)).text();
    for (const match of text.matchAll(/^http_requests_total\{[^}]*route="\/graphql"[^}]*\} (\d+)/gm))
      total += Number(match[1]);
  }
  return total;
}

/** Runs `attack` and returns what it returned with how many subgraph calls it cost. */
export async function countingSubgraphCalls<T>(
  stack: Pick<Stack, 'subgraphs'>,
  attack: () => Promise<T>,
): Promise<{ result: T; calls: number }> {
  const before = await subgraphCalls(stack);
  const result = await attack();
  return { result, calls: (await subgraphCalls(stack)) - before };
}
