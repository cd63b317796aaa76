import { once } from 'node:events';
import { createServer, type IncomingMessage } from 'node:http';
import { expect, it } from 'vitest';
import { loadTelemetryConfig } from '../src/telemetry/config';
import { tracer } from '../src/telemetry/propagation';
import { startTelemetry } from '../src/telemetry/sdk';

async function bodyOf(req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

it('sends spans to the OTLP collector OTEL_EXPORTER_OTLP_ENDPOINT names', async () => {
  const received: { path: string; authorization: string | undefined; body: string }[] = [];
  const collector = createServer(async (req, res) => {
    received.push({ path: req.url ?? '', authorization: req.headers.authorization, body: await bodyOf(req) });
    res.writeHead(200, { 'content-type': 'application/json' }).end('{}');
  });
  collector.listen(0, '127.0.0.1');
  await once(collector, 'listening');
  const { port } = collector.address() as { port: number };
  const telemetry = await startTelemetry(
    'export-test',
    loadTelemetryConfig('export-test', {
      OTEL_EXPORTER_OTLP_ENDPOINT: `http://127.0.0.1:${port}`,
      OTEL_EXPORTER_OTLP_PROTOCOL: 'http/json',
      OTEL_EXPORTER_OTLP_HEADERS: 'authorization=Bearer collector-token',
    }),
  );
  expect(telemetry.recording).toBe(true);
  tracer.startActiveSpan('checkout', (span) => span.end());
  // Shutting down flushes the batch.
  await telemetry.shutdown();
  collector.close();
  expect(received).toHaveLength(1);
  expect(received[0]).toMatchObject({ path: '/v1/traces', authorization: 'Bearer collector-token' });
  expect(received[0]?.body).toContain('"name":"checkout"');
  expect(received[0]?.body).toContain('"stringValue":"export-test"');
});
