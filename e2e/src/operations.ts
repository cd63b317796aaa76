import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { operationFromDocument, Supergraph } from '@apollo/federation-internals';
import { QueryPlanner } from '@apollo/query-planner';
import { clientOperation } from '@shop/devkit/operations';
import { ROOT } from '@shop/scripts/lib/services';
import { parse } from 'graphql';
import type { GraphQLResponse, TestStack } from './test-stack';

/**
 * Who sends an operation. Anonymous today; once the gateway verifies tokens (identity), a test
 * logs in and passes `{ token }`, and the same calls run as that user.
 */
export interface Credentials {
  token?: string;
}

export function authorizationHeaders(credentials: Credentials = {}): Record<string, string> {
  return credentials.token ? { authorization: `Bearer ${credentials.token}` } : {};
}

/** Runs client operation `name` (the storefront's or another client's) through the gateway, as a frontend would. */
export async function runOperation<TData = Record<string, unknown>>(
  stack: TestStack,
  name: string,
  variables: Record<string, unknown> = {},
  credentials: Credentials = {},
  headers: Record<string, string> = {},
): Promise<GraphQLResponse<TData>> {
  return stack.graphql<TData>(clientOperation(name), variables, {
    ...authorizationHeaders(credentials),
    ...headers,
  });
}

/** GraphQL requests a subgraph has served so far (its `http_requests_total` for POST /graphql). */
export async function subgraphRequestCount(stack: TestStack, service: string): Promise<number> {
  const port = stack.subgraphs.get(service)?.port;
  if (port === undefined) throw new Error(`no subgraph ${service} in this stack`);
  const text = await (await fetch(`http://127.0.0.1:${port}/metrics`)).text();
  let total = 0;
  for (const line of text.split('\n')) {
    if (!line.startsWith('http_requests_total{')) continue;
    if (line.includes('method="POST"') && line.includes('route="/graphql"'))
      total += Number(line.slice(line.lastIndexOf(' ') + 1));
  }
  return total;
}

export interface Cost {
  /** SQL statements per subgraph. */
  statements: Record<string, number>;
  /** GraphQL requests the gateway made per subgraph. */
  requests: Record<string, number>;
}

/**
 * What `run` cost each subgraph; nothing else may use the stack meanwhile. It runs once
 * unmeasured first: a connection a pool opens on the way costs a statement of its own
 * (the driver reads the server's types), which is not what the operation costs.
 */
export async function measureCost(stack: TestStack, run: () => Promise<unknown>): Promise<Cost> {
  const services = [...stack.subgraphs.keys()];
  await run();
  const read = () =>
    Promise.all(
      services.map(async (service) => ({
        statements: await stack.queryCount(service),
        requests: await subgraphRequestCount(stack, service),
      })),
    );
  const before = await read();
  await run();
  const after = await read();
  const cost: Cost = { statements: {}, requests: {} };
  services.forEach((service, index) => {
    cost.statements[service] = (after[index]?.statements ?? 0) - (before[index]?.statements ?? 0);
    cost.requests[service] = (after[index]?.requests ?? 0) - (before[index]?.requests ?? 0);
  });
  return cost;
}

/** A node of a query plan (the planner's own shape). */
export interface PlanNode {
  kind: string;
  serviceName?: string;
  requires?: unknown;
  operation?: string;
  node?: PlanNode;
  nodes?: PlanNode[];
}

let planner: { supergraph: Supergraph; planner: QueryPlanner } | undefined;

/**
 * The plan the gateway makes for `query`: the same query planner over the committed supergraph.
 * The gateway never shows plans to clients, so tests ask the planner itself. Security features
 * are enforced by the gateway in front of its planner (anonymous reads of public fields plan
 * the same either way).
 */
export function queryPlanOf(query: string, operationName?: string): PlanNode {
  planner ??= (() => {
    const supergraph = Supergraph.build(readFileSync(join(ROOT, 'schema/supergraph.graphql'), 'utf8'), {
      supportedFeatures: null,
    });
    return { supergraph, planner: new QueryPlanner(supergraph) };
  })();
  const operation = operationFromDocument(planner.supergraph.apiSchema(), parse(query), {
    ...(operationName ? { operationName } : {}),
  });
  return planner.planner.buildQueryPlan(operation) as unknown as PlanNode;
}

/** The fetch nodes of a plan, in order. */
export function fetchNodes(plan: PlanNode | undefined): PlanNode[] {
  if (!plan) return [];
  return [
    ...(plan.kind === 'Fetch' ? [plan] : []),
    ...fetchNodes(plan.node),
    ...(plan.nodes ?? []).flatMap(fetchNodes),
  ];
}

/** How many fetches the plan makes to each subgraph. */
export function fetchesPerSubgraph(plan: PlanNode | undefined): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const fetch of fetchNodes(plan))
    if (fetch.serviceName) counts[fetch.serviceName] = (counts[fetch.serviceName] ?? 0) + 1;
  return counts;
}
