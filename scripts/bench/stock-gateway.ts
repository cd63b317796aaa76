import { readFileSync } from 'node:fs';
import { ApolloGateway } from '@apollo/gateway';
import { ApolloServer } from '@apollo/server';
import { startStandaloneServer } from '@apollo/server/standalone';
import { SigningDataSource } from '../lib/signing-data-source';

/**
 * The benchmark's baseline: a stock @apollo/gateway with its default options on Apollo
 * Server's standalone server. The one addition is what this system's subgraphs demand of any
 * caller: each request is signed with the subgraph's secret (the gateway proof), exactly as our
 * gateway signs, over @apollo/gateway's own fetcher.
 *
 *   stock-gateway.ts --supergraph <file> --secrets <json file: subgraph name -> secret>
 */
// tsx turns source maps on for the TypeScript it runs. With them every `new Error().stack` is
// mapped, and @apollo/gateway's fetcher (agent-base) reads one per request: a cost a deployed
// stock gateway, plain JavaScript, does not pay. The baseline must not carry it.
process.setSourceMapsEnabled(false);

const flag = (name: string) => {
  const index = process.argv.indexOf(name);
  const value = index === -1 ? undefined : process.argv[index + 1];
  if (!value) throw new Error(`stock-gateway: ${name} is required`);
  return value;
};
const supergraphSdl = readFileSync(flag('--supergraph'), 'utf8');
const secrets = JSON.parse(readFileSync(flag('--secrets'), 'utf8')) as Record<string, string>;

const server = new ApolloServer({
  gateway: new ApolloGateway({
    supergraphSdl,
    buildService: ({ name, url }) => new SigningDataSource(url ?? '', secrets[name]),
  }),
});
const { url } = await startStandaloneServer(server, { listen: { host: '127.0.0.1', port: 0 } });
process.send?.({ type: 'listening', service: 'stock-gateway', port: Number(new URL(url).port) });
const stop = () => void server.stop().then(() => process.exit(0));
process.on('SIGTERM', stop);
process.on('SIGINT', stop);
process.on('disconnect', stop);
