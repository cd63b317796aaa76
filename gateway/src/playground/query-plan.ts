import { operationFromDocument, printSchema, Supergraph } from '@apollo/federation-internals';
import { prettyFormatQueryPlan, QueryPlanner } from '@apollo/query-planner';
import { buildSchema, type DocumentNode, type GraphQLError, parse, validate } from 'graphql';

export type QueryPlanResult = { plan: string } | { errors: string[] };

/**
 * The plan the gateway would follow for an operation (which subgraph is asked for what, in
 * which order), made by the same planner over the same supergraph, without running anything:
 * a mutation's plan can be read before it is sent.
 */
export function createQueryPlanExplainer(
  supergraphSdl: string,
): (query: string, operationName?: string) => QueryPlanResult {
  const supergraph = Supergraph.build(supergraphSdl);
  const apiSchema = supergraph.apiSchema();
  // graphql-js's own validation, on the schema clients see, gives the messages they know.
  const clientSchema = buildSchema(printSchema(apiSchema));
  const planner = new QueryPlanner(supergraph);
  return (query, operationName) => {
    let document: DocumentNode;
    try {
      document = parse(query);
    } catch (error) {
      return { errors: [(error as GraphQLError).message] };
    }
    const invalid = validate(clientSchema, document);
    if (invalid.length > 0) return { errors: invalid.map((error) => error.message) };
    try {
      const operation = operationFromDocument(apiSchema, document, operationName ? { operationName } : {});
      return { plan: prettyFormatQueryPlan(planner.buildQueryPlan(operation)) };
    } catch (error) {
      return { errors: [error instanceof Error ? error.message : String(error)] };
    }
  };
}
