import { afterAll, beforeAll, expect, it } from 'vitest';
import { countingSubgraphCalls } from '../src/subgraph-calls';
import { startTestStack, type TestStack } from '../src/test-stack';

let stack: TestStack;

beforeAll(async () => {
  stack = await startTestStack({ env: { NODE_ENV: 'production' } });
});
afterAll(() => stack?.stop());

it('refuses introspection in production, at no subgraph cost', async () => {
  const { result, calls } = await countingSubgraphCalls(stack, () =>
    stack.graphql('{ __schema { queryType { name } types { name fields { name } } } }'),
  );
  expect(result.status).toBe(400);
  expect(result.body.errors?.[0]?.extensions?.code).toBe('GRAPHQL_VALIDATION_FAILED');
  expect(result.body.errors?.[0]?.message).toMatch(/introspection/i);
  expect(calls).toBe(0);
});

it('gives no field suggestions in production', async () => {
  const { result, calls } = await countingSubgraphCalls(stack, () =>
    stack.graphql('{ product(id: "1") { nam } }'),
  );
  expect(result.body.errors?.[0]?.extensions?.code).toBe('GRAPHQL_VALIDATION_FAILED');
  expect(JSON.stringify(result.body)).not.toMatch(/did you mean|"name"/i);
  expect(calls).toBe(0);
});

it('still serves a normal query', async () => {
  const { status, body } = await stack.graphql('{ categories { name } }');
  expect(status).toBe(200);
  expect(body.errors).toBeUndefined();
});
