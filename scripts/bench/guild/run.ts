import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { composeServices } from '@apollo/composition';
import { parse } from 'graphql';
import { childEnvironment } from '../../config';
import { runTypeScript, type ServiceProcess, startServiceProcess } from '../../lib/processes';
import { type LoadSample, runLoad, summarizeLoad } from '../load';
import { GUILD_SUBGRAPHS } from './subgraphs';

/**
 * The Guild-shaped gateway benchmark: the accounts / products / inventory / reviews demo (with
 * @requires: shippingEstimate needs price and weight), its one large query, the four subgraphs in
 * one separate Node process with in-memory data, 50 connections. Arms: this repository's gateway
 * and a stock @apollo/gateway, measured in rounds of alternating order; their answers must be
 * identical.
 *
 *   npm run bench:guild -- [--seconds 10] [--rounds 3] [--connections 50]
 */
const QUERY = /* GraphQL */ `
  fragment User on User { id username name }
  fragment Review on Review { id body }
  fragment Product on Product { inStock name price shippingEstimate upc weight }
  query TestQuery {
    users { ...User reviews { ...Review product { ...Product reviews { ...Review author { ...User reviews { ...Review product { ...Product } } } } } } }
    topProducts { ...Product reviews { ...Review author { ...User reviews { ...Review product { ...Product } } } } }
  }
`;
const BODY = JSON.stringify({ query: QUERY, operationName: 'TestQuery' });

const flag = (name: string, fallback: number) => {
  const index = process.argv.indexOf(`--${name}`);
  const value = index === -1 ? fallback : Number(process.argv[index + 1]);
  if (!Number.isInteger(value) || value < 1) throw new Error(`--${name} must be a positive integer`);
  return value;
};
const seconds = flag('seconds', 10);
const rounds = flag('rounds', 3);
const connections = flag('connections', 50);
const quiet = () => {};

const subgraphs = runTypeScript('guild-subgraphs', 'scripts/bench/guild/subgraphs.ts', {
  env: childEnvironment({}),
  output: quiet,
  ipc: true,
});
const ports = await new Promise<Record<string, number>>((resolve, reject) => {
  subgraphs.child.on('message', (message: { ports?: Record<string, number> }) => {
    if (message.ports) resolve(message.ports);
  });
  subgraphs.exited.then((code) => reject(new Error(`the subgraphs exited (${code})`)));
});
const composition = composeServices(
  Object.entries(GUILD_SUBGRAPHS).map(([name, typeDefs]) => ({
    name,
    typeDefs: parse(typeDefs),
    url: `http://127.0.0.1:${ports[name]}/`,
  })),
);
if (!composition.supergraphSdl) throw new Error(composition.errors?.map(String).join('\n'));
const dir = mkdtempSync(join(tmpdir(), 'guild-bench-'));
const supergraphPath = join(dir, 'supergraph.graphql');
writeFileSync(supergraphPath, composition.supergraphSdl);
writeFileSync(join(dir, 'secrets.json'), '{}');

const arms: { name: string; process: ServiceProcess; url: string }[] = [];
const stopAll = async () => {
  for (const arm of arms) await arm.process.stop();
  subgraphs.child.kill('SIGTERM');
};
try {
  const ours = await startServiceProcess('gateway', 'gateway/src/main.ts', {
    env: childEnvironment({
      PORT: '0',
      HOST: '127.0.0.1',
      SUPERGRAPH_PATH: supergraphPath,
      LOG_LEVEL: 'warn',
      RESPONSE_CACHE: 'false',
      // The benchmark's query is larger than the shop's limits allow by default.
      MAX_COST: '1000000',
    }),
    output: quiet,
  });
  arms.push({ name: 'this gateway', process: ours, url: `http://127.0.0.1:${ours.port}/graphql` });
  const stock = await startServiceProcess('stock-gateway', 'scripts/bench/stock-gateway.ts', {
    env: childEnvironment({}),
    args: ['--supergraph', supergraphPath, '--secrets', join(dir, 'secrets.json')],
    output: quiet,
  });
  arms.push({ name: 'stock @apollo/gateway', process: stock, url: `http://127.0.0.1:${stock.port}/` });

  const answers = await Promise.all(
    arms.map(async (arm) => {
      const response = await fetch(arm.url, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: BODY,
      });
      return `${response.status} ${await response.text()}`;
    }),
  );
  const identical = answers.every((answer) => answer === answers[0]);
  console.log(`responses identical: ${identical ? 'yes' : 'NO'} (${answers[0]?.length ?? 0} bytes)`);
  if (!identical) for (const [index, arm] of arms.entries()) console.log(`${arm.name}: ${answers[index]}`);
  if (answers[0]?.includes('"errors"')) console.log(`the answer has errors: ${answers[0]}`);

  const samples = new Map<string, LoadSample[]>(arms.map((arm) => [arm.name, []]));
  for (let round = 0; round < rounds; round++) {
    const order = round % 2 === 0 ? arms : [...arms].reverse();
    for (const arm of order) {
      const sample = await runLoad({
        url: arm.url,
        connections,
        durationSeconds: seconds,
        next: () => ({ operation: 'TestQuery', body: BODY }),
      });
      samples.get(arm.name)?.push(sample);
    }
  }
  console.log(`${connections} connections, ${rounds} rounds of ${seconds} s per arm, alternating order`);
  const results = arms.map((arm) => ({ name: arm.name, ...summarizeLoad(samples.get(arm.name) ?? []) }));
  const stockRate = results[1]?.requestsPerSecond ?? 0;
  for (const result of results)
    console.log(
      `${result.name.padEnd(22)} ${result.requestsPerSecond.toFixed(0).padStart(6)} req/s` +
        `  p50 ${result.latencyMs.p50.toFixed(1)} ms  p99 ${result.latencyMs.p99.toFixed(1)} ms` +
        `  errors ${result.errors}  (${stockRate > 0 ? (result.requestsPerSecond / stockRate).toFixed(2) : '-'}× stock)`,
    );
  process.exitCode = identical && results.every((result) => result.errors === 0) ? 0 : 1;
} finally {
  await stopAll();
}
