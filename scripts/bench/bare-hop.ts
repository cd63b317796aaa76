import { readFileSync } from 'node:fs';
import { createServer } from 'node:http';
import { signGatewayRequest } from '@shop/platform/auth';
import { Pool } from 'undici';

/**
 * The benchmark's floor for the gateway hop: the least any Node process between a client and a
 * subgraph must do, and nothing of GraphQL. It reads the request, signs it as the gateway signs,
 * forwards it over kept-alive undici connections, parses the answer and writes it again (a
 * gateway has to look at the data it passes on). What a gateway hop costs on top of this is the
 * price of its GraphQL work; what this costs is the price of a second Node process on the path.
 *
 *   bare-hop.ts --url <subgraph url> --secrets <json file: subgraph name -> secret> --subgraph <name>
 */
const flag = (name: string) => {
  const index = process.argv.indexOf(name);
  const value = index === -1 ? undefined : process.argv[index + 1];
  if (!value) throw new Error(`bare-hop: ${name} is required`);
  return value;
};
const target = new URL(flag('--url'));
const secret = (JSON.parse(readFileSync(flag('--secrets'), 'utf8')) as Record<string, string>)[
  flag('--subgraph')
];
if (!secret) throw new Error('bare-hop: no secret for that subgraph');
const subgraph = new Pool(target.origin, { connections: 32 });

const server = createServer(async (request, response) => {
  try {
    const chunks: Buffer[] = [];
    for await (const chunk of request) chunks.push(chunk as Buffer);
    const { query, operationName, variables } = JSON.parse(Buffer.concat(chunks).toString('utf8'));
    const body = JSON.stringify({ query, operationName, variables });
    const answer = await subgraph.request({
      method: 'POST',
      path: target.pathname,
      body,
      headers: {
        'content-type': 'application/json',
        ...signGatewayRequest(secret, { method: 'POST', path: target.pathname, body, caller: null }),
      },
    });
    const out = JSON.stringify(await answer.body.json());
    response.writeHead(answer.statusCode, {
      'content-type': 'application/json',
      'content-length': Buffer.byteLength(out),
    });
    response.end(out);
  } catch (error) {
    response.writeHead(502, { 'content-type': 'text/plain' });
    response.end((error as Error).message);
  }
});
server.listen(0, '127.0.0.1', () => {
  const address = server.address();
  process.send?.({
    type: 'listening',
    service: 'bare-hop',
    port: typeof address === 'object' && address ? address.port : 0,
  });
});
const stop = () => {
  server.close();
  void subgraph.close().then(() => process.exit(0));
};
process.on('SIGTERM', stop);
process.on('SIGINT', stop);
process.on('disconnect', stop);
