import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { composeServices } from '@apollo/composition';
import { DEMO_SEED_PLAN } from '@shop/devkit/seed';
import { startTestSubgraph, type TestSubgraph } from '@shop/devkit/testing';
import { subgraphSecretVariable } from '@shop/platform/config';
import { createLogger } from '@shop/platform/logger';
import { type InMemoryTelemetry, type ReadableSpan, recordSpansInMemory } from '@shop/platform/telemetry';
import { generateClientArtifacts } from '@shop/scripts/lib/client-documents';
import { SUBGRAPHS } from '@shop/scripts/lib/services';
import { readSubgraphSources } from '@shop/scripts/lib/supergraph';
import { buildASTSchema, parse, printSchema } from 'graphql';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadGatewayConfig } from '../../gateway/src/config';
import { type RunningGateway, startGateway } from '../../gateway/src/server';
import { seed as seedAccounts } from '../../subgraphs/accounts/src/db/seed';
import { startAccounts } from '../../subgraphs/accounts/test/accounts-service';
import { seed as seedProducts } from '../../subgraphs/products/src/db/seed';
import { productsSubgraph } from '../../subgraphs/products/src/subgraph';
import { seed as seedReviews } from '../../subgraphs/reviews/src/db/seed';
import { reviewsSubgraph } from '../../subgraphs/reviews/src/subgraph';

// The gateway and the three subgraphs in this process, talking over real HTTP, with every span
// kept in memory: one operation must come out as one trace through all four.
const plan = { ...DEMO_SEED_PLAN, products: 12, users: 6, reviews: 40 };
const SERVICES = ['accounts', 'products', 'reviews'] as const;

let telemetry: InMemoryTelemetry;
let gateway: RunningGateway;
const ports = new Map<string, number>();
const registries = new Map<string, { metrics(): Promise<string> }>();
const stops: (() => Promise<void>)[] = [];
let supergraphDir: string;

const secrets = new Map<string, string>();

async function startSeeded<TSchema extends Record<string, unknown>, TContext extends object>(
  name: (typeof SERVICES)[number],
  start: Promise<TestSubgraph<TSchema, TContext>>,
  seed: (db: TestSubgraph<TSchema, TContext>['database']['db'], p: typeof plan) => Promise<unknown>,
) {
  const service = await start;
  stops.push(() => service.stop());
  await service.database.db.transaction((tx) => seed(tx, plan));
  ports.set(name, service.port);
  secrets.set(name, service.gatewaySecret);
  registries.set(name, service.metrics.registry);
}

beforeAll(async () => {
  telemetry = recordSpansInMemory('tracing-test');
  await Promise.all([
    startSeeded('accounts', startAccounts(), seedAccounts),
    startSeeded('products', startTestSubgraph(productsSubgraph), seedProducts),
    startSeeded('reviews', startTestSubgraph(reviewsSubgraph), seedReviews),
  ]);
  const sources = readSubgraphSources(
    (spec) => `http://127.0.0.1:${ports.get(spec.name)}/graphql`,
    SUBGRAPHS.filter((spec) => ports.has(spec.name)),
  );
  const composition = composeServices(
    sources.map((source) => ({ name: source.name, url: source.url, typeDefs: parse(source.sdl) })),
  );
  if (!composition.supergraphSdl) throw new Error(String(composition.errors));
  supergraphDir = await mkdtemp(join(tmpdir(), 'tracing-supergraph-'));
  const path = join(supergraphDir, 'supergraph.graphql');
  await writeFile(path, composition.supergraphSdl);
  // Metrics label only the operations the gateway knows (the persisted ones); these two are.
  const { manifest } = await generateClientArtifacts(
    printSchema(buildASTSchema(composition.schema.toAPISchema().toAST())),
    [{ file: 'schema/operations/observed.graphql', source: `${STOREFRONT}\n${TOO_MANY}\n` }],
  );
  const manifestPath = join(supergraphDir, 'persisted-operations.json');
  await writeFile(manifestPath, JSON.stringify(manifest));
  gateway = await startGateway(
    loadGatewayConfig(
      {
        PORT: '0',
        PERSISTED_OPERATIONS_MANIFEST: manifestPath,
        ...Object.fromEntries([...secrets].map(([name, secret]) => [subgraphSecretVariable(name), secret])),
      },
      ['node', 'main.ts', '--supergraph', path],
    ),
    createLogger('gateway', 'silent'),
  );
});

afterAll(async () => {
  await gateway?.stop();
  await Promise.all(stops.map((stop) => stop()));
  await telemetry?.shutdown();
  if (supergraphDir) await rm(supergraphDir, { recursive: true, force: true });
});

const TOO_MANY = 'query TooMany { products(first: 1000) { totalCount } }';
const STOREFRONT = /* GraphQL */ `
  query Storefront {
    products(first: 5) {
      edges { node { name price { amount } reviews(first: 2) { edges { node { rating author { name } } } } } }
    }
  }
`;

const attribute = (span: ReadableSpan, name: string) => span.attributes[name];
const parentOf = (span: ReadableSpan, spans: readonly ReadableSpan[]) =>
  spans.find((candidate) => candidate.spanContext().spanId === span.parentSpanContext?.spanId);

function ancestors(span: ReadableSpan, spans: readonly ReadableSpan[]): ReadableSpan[] {
  const chain: ReadableSpan[] = [];
  for (let parent = parentOf(span, spans); parent; parent = parentOf(parent, spans)) chain.push(parent);
  return chain;
}

async function spansOfTrace(
  traceId: string,
  until: (spans: ReadableSpan[]) => boolean,
): Promise<ReadableSpan[]> {
  // Server spans end when their response has been handed to the socket: give them a moment.
  for (let attempt = 0; attempt < 50; attempt += 1) {
    const spans = (await telemetry.spans()).filter((span) => span.spanContext().traceId === traceId);
    if (until(spans)) return spans;
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  return (await telemetry.spans()).filter((span) => span.spanContext().traceId === traceId);
}

describe('one operation through the gateway', () => {
  it('is one trace: the gateway, a fetch per subgraph, each subgraph serving it and its SQL', async () => {
    const response = await fetch(gateway.url, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ query: STOREFRONT }),
    });
    const body = (await response.json()) as { errors?: unknown; data?: unknown };
    expect(body.errors).toBeUndefined();

    let root: ReadableSpan | undefined;
    for (let attempt = 0; attempt < 50 && !root; attempt += 1) {
      root = (await telemetry.spans()).find(
        (span) => span.name === 'query Storefront' && attribute(span, 'server.port') === gateway.port,
      );
      if (!root) await new Promise((resolve) => setTimeout(resolve, 20));
    }
    if (!root) throw new Error('the gateway recorded no span for the operation');
    // The client sent no trace context: the gateway started the trace.
    expect(root.parentSpanContext).toBeUndefined();
    const traceId = root.spanContext().traceId;
    const isServerOf = (service: string) => (span: ReadableSpan) =>
      span.kind === 1 && attribute(span, 'server.port') === ports.get(service);
    const spans = await spansOfTrace(traceId, (found) =>
      SERVICES.every((service) => found.some(isServerOf(service))),
    );

    for (const service of SERVICES) {
      const served = spans.filter(isServerOf(service));
      expect(served.length, `${service} served the operation in the same trace`).toBeGreaterThan(0);
      for (const span of served) {
        expect(span.name).toMatch(/^query Storefront__/);
        const chain = ancestors(span, spans);
        // subgraph server span <- gateway's client call <- the planner's fetch for this subgraph <- ... <- gateway root
        expect(chain[0]?.name).toBe(`POST ${service}`);
        expect(chain[1]?.name).toBe('gateway.fetch');
        expect(attribute(chain[1] as ReadableSpan, 'service')).toBe(service);
        expect(chain.at(-1)).toBe(root);
        const statements = spans.filter(
          (candidate) =>
            attribute(candidate, 'db.system.name') === 'postgresql' &&
            ancestors(candidate, spans).includes(span),
        );
        expect(statements.length, `${service} ran its SQL inside the request's span`).toBeGreaterThan(0);
        for (const statement of statements) {
          expect(String(attribute(statement, 'db.query.text'))).toMatch(/^(select|with)\b/i);
          expect(attribute(statement, 'db.operation.name')).toMatch(/^(SELECT|WITH)$/);
        }
      }
    }
  });

  it('continues a trace the caller started (W3C traceparent)', async () => {
    const traceId = '4bf92f3577b34da6a3ce929d0e0e4736';
    const response = await fetch(gateway.url, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        traceparent: `00-${traceId}-00f067aa0ba902b7-01`,
      },
      body: JSON.stringify({ query: '{ products(first: 1) { edges { node { name reviewCount } } } }' }),
    });
    expect(response.status).toBe(200);
    const spans = await spansOfTrace(traceId, (found) =>
      ['products', 'reviews'].every((service) =>
        found.some((span) => span.kind === 1 && attribute(span, 'server.port') === ports.get(service)),
      ),
    );
    const gatewaySpan = spans.find(
      (span) => span.kind === 1 && attribute(span, 'server.port') === gateway.port,
    );
    expect(gatewaySpan?.parentSpanContext?.spanId).toBe('00f067aa0ba902b7');
  });
});

describe('Prometheus metrics of the same traffic', () => {
  const sample = (text: string, metric: string, labels: Record<string, string>) => {
    const line = text
      .split('\n')
      .find(
        (candidate) =>
          candidate.startsWith(`${metric}{`) &&
          Object.entries(labels).every(([key, value]) => candidate.includes(`${key}="${value}"`)),
      );
    return line === undefined ? undefined : Number(line.slice(line.lastIndexOf(' ') + 1));
  };

  it('the gateway counts and times operations and each subgraph request, and counts errors by code', async () => {
    await fetch(gateway.url, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ query: STOREFRONT }),
    });
    await fetch(gateway.url, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ query: TOO_MANY }),
    });
    const text = await gateway.metrics.registry.metrics();
    expect(
      sample(text, 'graphql_operation_duration_seconds_count', { operation: 'Storefront' }),
    ).toBeGreaterThan(0);
    expect(
      sample(text, 'graphql_operations_total', { operation: 'TooMany', outcome: 'error' }),
    ).toBeGreaterThanOrEqual(1);
    expect(sample(text, 'graphql_errors_total', { operation: 'TooMany', code: 'BAD_USER_INPUT' })).toBe(1);
    for (const service of SERVICES) {
      expect(
        sample(text, 'gateway_subgraph_requests_total', { subgraph: service, outcome: 'ok' }),
      ).toBeGreaterThan(0);
      expect(
        sample(text, 'gateway_subgraph_request_duration_seconds_count', { subgraph: service }),
      ).toBeGreaterThan(0);
    }
    // The rejected argument came back from products as a GraphQL error: that request counts as one.
    expect(sample(text, 'gateway_subgraph_requests_total', { subgraph: 'products', outcome: 'error' })).toBe(
      1,
    );
  });

  it('each subgraph times its SQL statements', async () => {
    for (const service of SERVICES) {
      const text = await (registries.get(service) as { metrics(): Promise<string> }).metrics();
      expect(
        sample(text, 'db_query_duration_seconds_count', { statement: 'select', outcome: 'ok' }),
        service,
      ).toBeGreaterThan(0);
    }
  });
});
