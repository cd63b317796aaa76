import { createTestDatabase, type TestDatabase, testLogLevel } from '@shop/devkit/testing';
import { createLogger } from '@shop/platform/logger';
import { loadRegistryConfig, type RegistryConfig } from '../src/config';
import { type RunningRegistry, startRegistry } from '../src/server';

export const ADMIN_TOKEN = 'test-admin-token-that-is-long-enough-0123456789';
export const USAGE_SECRET = 'test-usage-secret-that-is-long-enough-0123456789';

export interface TestRegistry {
  url: string;
  registry: RunningRegistry;
  database: TestDatabase;
  config: RegistryConfig;
  /** JSON request to the registry; `token` goes as the bearer. */
  call(
    method: string,
    path: string,
    options?: { token?: string; body?: unknown; headers?: Record<string, string> },
    // biome-ignore lint/suspicious/noExplicitAny: tests read the JSON they expect
  ): Promise<{ status: number; json: any; headers: Headers }>;
  /** A publish token for `subgraph`. */
  tokenFor(subgraph: string, label?: string): Promise<{ id: number; token: string }>;
  stop(): Promise<void>;
}

/** A registry on a fresh database (on the tests' server unless `database` is given) and a free port. */
export async function startTestRegistry(
  label: string,
  env: Record<string, string> = {},
  given?: TestDatabase,
): Promise<TestRegistry> {
  const database = given ?? (await createTestDatabase(label));
  const config = loadRegistryConfig({
    DATABASE_URL: database.url,
    PORT: '0',
    REGISTRY_ADMIN_TOKEN: ADMIN_TOKEN,
    USAGE_SECRET,
    LOG_LEVEL: testLogLevel(),
    ...env,
  });
  const registry = await startRegistry(config, createLogger('registry', config.LOG_LEVEL));
  const url = registry.url;
  const call: TestRegistry['call'] = async (method, path, options = {}) => {
    const response = await fetch(`${url}${path}`, {
      method,
      headers: {
        ...(options.body === undefined ? {} : { 'content-type': 'application/json' }),
        ...(options.token ? { authorization: `Bearer ${options.token}` } : {}),
        ...options.headers,
      },
      ...(options.body === undefined
        ? {}
        : { body: typeof options.body === 'string' ? options.body : JSON.stringify(options.body) }),
    });
    const text = await response.text();
    let json: unknown = null;
    try {
      json = text === '' ? null : JSON.parse(text);
    } catch {
      json = text;
    }
    return { status: response.status, json, headers: response.headers };
  };
  return {
    url,
    registry,
    database,
    config,
    call,
    async tokenFor(subgraph, tokenLabel = `${subgraph} deploy`) {
      const created = await call('POST', '/tokens', {
        token: ADMIN_TOKEN,
        body: { subgraph, label: tokenLabel },
      });
      if (created.status !== 201) throw new Error(`token create failed: ${JSON.stringify(created.json)}`);
      return { id: created.json.id, token: created.json.token };
    },
    async stop() {
      await registry.stop();
      await database.drop();
    },
  };
}

export const PRODUCTS_SDL = /* GraphQL */ `
  extend schema @link(url: "https://specs.apollo.dev/federation/v2.7", import: ["@key", "@shareable"])
  type Query {
    product(id: ID!): Product
    products(first: Int = 10, order: ProductOrder): [Product!]!
  }
  enum ProductOrder { NEWEST CHEAPEST }
  type Product @key(fields: "id") {
    id: ID!
    name: String!
    price: Int!
    legacyCode: String
  }
`;

export const REVIEWS_SDL = /* GraphQL */ `
  extend schema @link(url: "https://specs.apollo.dev/federation/v2.7", import: ["@key"])
  type Product @key(fields: "id") {
    id: ID!
    reviews: [Review!]!
  }
  type Review {
    id: ID!
    rating: Int!
  }
`;
