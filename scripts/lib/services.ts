import { fileURLToPath } from 'node:url';

/** The checkout's root folder, whatever the current directory. */
export const ROOT = fileURLToPath(new URL('../..', import.meta.url));

export interface ServiceSpec {
  name: string;
  port: number;
  /** Folder of the workspace, relative to ROOT. */
  dir: string;
}

/**
 * The subgraphs and their ports: the one list the launcher, schema composition and the
 * scaffold for new subgraphs use. Order is start order, which does not matter for correctness.
 */
export const SUBGRAPHS: readonly ServiceSpec[] = [
  { name: 'accounts', port: 4001, dir: 'subgraphs/accounts' },
  { name: 'products', port: 4002, dir: 'subgraphs/products' },
  { name: 'inventory', port: 4003, dir: 'subgraphs/inventory' },
  { name: 'reviews', port: 4004, dir: 'subgraphs/reviews' },
  { name: 'orders', port: 4005, dir: 'subgraphs/orders' },
  { name: 'payments', port: 4006, dir: 'subgraphs/payments' },
];

export const GATEWAY: ServiceSpec = { name: 'gateway', port: 4000, dir: 'gateway' };

/** The schema registry `npm start` runs beside the shop: the gateway's supergraph comes from it. */
export const REGISTRY: ServiceSpec = { name: 'registry', port: 4010, dir: 'registry' };

/** Where a gateway the launchers start serves `/metrics`: 50 above its own port (4050), never on it. */
export const gatewayMetricsPort = (gatewayPort: number): number => gatewayPort + 50;

/** The URL the supergraph records for a subgraph in the single-machine layout. */
export function localSubgraphUrl(spec: ServiceSpec, port: number = spec.port): string {
  return `http://127.0.0.1:${port}/graphql`;
}
