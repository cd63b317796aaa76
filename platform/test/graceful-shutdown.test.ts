import { fileURLToPath } from 'node:url';
import { startTestSubgraph } from '@shop/devkit/testing';
import { parse } from 'graphql';
import { expect, it } from 'vitest';
import type { SubgraphDefinition } from '../src/service';

const slow: SubgraphDefinition<Record<string, never>, Record<string, never>> = {
  name: 'slow',
  typeDefs: parse('type Query { slow: String! }'),
  resolvers: { Query: { slow: () => new Promise((resolve) => setTimeout(() => resolve('done'), 400)) } },
  tables: {},
  migrationsFolder: fileURLToPath(new URL('./fixtures/no-migrations', import.meta.url)),
  createContext: () => ({}),
};

it('finishes a request already in flight when told to stop, then refuses new ones', async () => {
  const service = await startTestSubgraph(slow);
  const inFlight = service.post('{ slow }');
  await new Promise((resolve) => setTimeout(resolve, 100));
  const stopped = service.stop();
  const response = await inFlight;
  expect(response).toEqual({ status: 200, body: { data: { slow: 'done' } } });
  await stopped;
  await expect(fetch(service.url, { method: 'POST', body: '{}' })).rejects.toThrow();
});
