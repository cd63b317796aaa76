import { readFile } from 'node:fs/promises';
import { Supergraph } from '@apollo/federation-internals';
import { createLogger } from '@shop/platform/logger';
import { stockSupergraph } from '@shop/scripts/lib/stock-supergraph';
import { type GraphQLSchema, Kind, parse } from 'graphql';
import { loadGatewayConfig } from '../../src/config';
import { type RunningGateway, startGateway } from '../../src/server';
import {
  type DeterministicSubgraph,
  type SubgraphBehaviour,
  serveDeterministicSubgraph,
} from './deterministic-subgraphs';
import { composeSupergraph } from './federated-test-graph';
import { type ComparedOperation, type Comparison, compareWithStock } from './stock-comparison';
import { type StockGateway, startStockGateway } from './stock-gateway';

/** Limits no generated operation comes near: the test compares executors, not the gateway's limits. */
const LIFTED_LIMITS = {
  MAX_DEPTH: '100',
  MAX_ALIASES: '10000',
  MAX_ROOT_FIELDS: '1000',
  MAX_TOKENS: '100000',
  MAX_DIRECTIVES: '10000',
  MAX_REPEATED_FIELD: '1000',
  MAX_COST: '100000000',
};

/** Our gateway and a stock one in front of the same deterministic subgraphs. */
export interface DifferentialGraph {
  ours: RunningGateway;
  stock: StockGateway;
  /** What clients see of the supergraph. */
  apiSchema: GraphQLSchema;
  /** Fields only a logged-in or scoped caller may read: our gateway refuses them up front, a stock one cannot. */
  isProtected(typeName: string, fieldName: string): boolean;
  subgraphNames: string[];
  set(subgraph: string, behaviour: SubgraphBehaviour): void;
  compare(operations: readonly ComparedOperation[]): Promise<Comparison>;
  stop(): Promise<void>;
}

export async function startDifferentialGraph(
  definitions: readonly { name: string; typeDefs: string }[],
): Promise<DifferentialGraph> {
  const subgraphs = new Map<string, DeterministicSubgraph>();
  for (const { name, typeDefs } of definitions)
    subgraphs.set(name, await serveDeterministicSubgraph(name, typeDefs));
  const supergraphPath = await composeSupergraph([...subgraphs.values()]);
  const supergraphSdl = await readFile(supergraphPath, 'utf8');
  const config = loadGatewayConfig(
    {
      PORT: '0',
      SUPERGRAPH_PATH: supergraphPath,
      LOG_LEVEL: 'silent',
      RESPONSE_CACHE: 'false',
      // A breaker left open by one failure round would fail the next round's healthy subgraph
      // fast: resilience the stock gateway does not have, and not the executor's business.
      CIRCUIT_MIN_REQUESTS: '1000000000',
      ...LIFTED_LIMITS,
    },
    ['node', 'main.ts'],
  );
  const ours = await startGateway(config, createLogger('gateway', 'silent'));
  const stock = await startStockGateway(supergraphSdl);
  const protectedFields = protectedCoordinates(supergraphSdl);
  return {
    ours,
    stock,
    // Apollo's Supergraph refuses the SECURITY features our gateway enforces; the API schema is the same without them.
    apiSchema: Supergraph.build(stockSupergraph(supergraphSdl, new Map())).apiSchema().toGraphQLJSSchema(),
    isProtected: (typeName, fieldName) => protectedFields.has(`${typeName}.${fieldName}`),
    subgraphNames: [...subgraphs.keys()],
    set(subgraph, behaviour) {
      const served = subgraphs.get(subgraph);
      if (!served) throw new Error(`no subgraph ${subgraph}`);
      served.set(behaviour);
    },
    compare: (operations) => compareWithStock(ours.url, stock.url, operations),
    async stop() {
      await Promise.all([ours.stop(), stock.stop()]);
      for (const subgraph of subgraphs.values()) await subgraph.close();
    },
  };
}

const PROTECTING = new Set(['authenticated', 'requiresScopes']);

/** `Type.field` of every field with `@authenticated`/`@requiresScopes`, on itself, its type or the type it returns. */
function protectedCoordinates(supergraphSdl: string): Set<string> {
  const document = parse(supergraphSdl);
  const protectedTypes = new Set<string>();
  for (const definition of document.definitions)
    if ('directives' in definition && 'name' in definition && definition.name)
      if (definition.directives?.some((directive) => PROTECTING.has(directive.name.value)))
        protectedTypes.add(definition.name.value);
  const coordinates = new Set<string>();
  for (const definition of document.definitions) {
    if (definition.kind !== Kind.OBJECT_TYPE_DEFINITION && definition.kind !== Kind.INTERFACE_TYPE_DEFINITION)
      continue;
    for (const field of definition.fields ?? []) {
      let type = field.type;
      while (type.kind !== Kind.NAMED_TYPE) type = type.type;
      if (
        protectedTypes.has(definition.name.value) ||
        protectedTypes.has(type.name.value) ||
        field.directives?.some((directive) => PROTECTING.has(directive.name.value))
      )
        coordinates.add(`${definition.name.value}.${field.name.value}`);
    }
  }
  return coordinates;
}
