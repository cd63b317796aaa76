import { prettyFormatQueryPlan } from '@apollo/query-planner';
import { GraphQLError } from 'graphql';
import { PLANNER_BUSY_CODE, PlanRefused } from '../planning/plan-refused';
import { type PlannedSupergraph, type PlannerPool, plannedSupergraph } from '../planning/planner-pool';

export type QueryPlanResult =
  | { plan: string }
  | { errors: string[] }
  /** Over the planning budget, or no planner free: answered as /graphql would, with its status and code. */
  | { refused: { status: number; message: string; code: string } };

/**
 * The plan the gateway would follow for an operation (which subgraph is asked for what, in
 * which order), made by the same planner threads over the same supergraph and within the same
 * budget, without running anything: a mutation's plan can be read before it is sent.
 */
export function createQueryPlanExplainer(
  planner: PlannerPool,
  /** The SDL the query planner serves now (it changes when the supergraph is reloaded). */
  plannerSdl: () => string,
): (query: string, operationName?: string) => Promise<QueryPlanResult> {
  let current: PlannedSupergraph | undefined;
  return async (query, operationName) => {
    const sdl = plannerSdl();
    if (current?.sdl !== sdl) current = plannedSupergraph(sdl);
    try {
      // graphql-js's own validation (in the planner's thread), on the schema clients see, gives the messages they know.
      const result = await planner.plan({ supergraph: current, query, operationName, validate: true });
      return result.kind === 'invalid'
        ? { errors: result.errors }
        : { plan: prettyFormatQueryPlan(result.plan) };
    } catch (error) {
      if (error instanceof PlanRefused)
        return { refused: { status: 400, message: error.message, code: error.code } };
      if (error instanceof GraphQLError && error.extensions.code === PLANNER_BUSY_CODE)
        return { refused: { status: 503, message: error.message, code: PLANNER_BUSY_CODE } };
      return { errors: [error instanceof Error ? error.message : String(error)] };
    }
  };
}
