import { once } from 'node:events';
import { Agent, createServer, request, type Server } from 'node:http';

export interface Balancer {
  port: number;
  close(): Promise<void>;
}

/**
 * What a Kubernetes Service or a load balancer does for replicas, for the distributed mode on
 * plain machines: one address in front of several processes of a service, round robin. A
 * replica that refuses the connection (stopped, restarting) is skipped for the next one; a
 * request a replica accepted is never sent twice (a mutation must not run twice).
 */
export async function startBalancer(options: {
  host: string;
  port: number;
  upstreams: readonly { host: string; port: number }[];
}): Promise<Balancer> {
  const agent = new Agent({ keepAlive: true, maxSockets: 256 });
  let next = 0;
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const body = Buffer.concat(chunks);
      const attempt = (tried: number) => {
        const upstream = options.upstreams[next++ % options.upstreams.length];
        if (!upstream) return void res.writeHead(502).end();
        const forwarded = request(
          {
            agent,
            host: upstream.host,
            port: upstream.port,
            method: req.method,
            path: req.url,
            headers: { ...req.headers, 'content-length': String(body.length) },
          },
          (answer) => {
            res.writeHead(answer.statusCode ?? 502, answer.headers);
            answer.pipe(res);
          },
        );
        forwarded.on('error', (error: NodeJS.ErrnoException) => {
          if (error.code === 'ECONNREFUSED' && tried + 1 < options.upstreams.length)
            return attempt(tried + 1);
          if (!res.headersSent) res.writeHead(502, { 'content-type': 'application/json' });
          res.end(JSON.stringify({ error: `no replica answered: ${error.message}` }));
        });
        forwarded.end(body);
      };
      attempt(0);
    });
  });
  server.keepAliveTimeout = 65_000;
  server.listen(options.port, options.host);
  await once(server, 'listening');
  return {
    port: options.port,
    async close() {
      await new Promise<void>((resolve) => server.close(() => resolve()));
      server.closeAllConnections();
      agent.destroy();
    },
  };
}
