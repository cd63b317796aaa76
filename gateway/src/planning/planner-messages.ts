import type { QueryPlan } from '@apollo/query-planner';

/** What a planner worker is started with (its `workerData`). */
export interface PlannerWorkerData {
  /** A plan whose JSON is longer is not sent back (see PlannerPool). */
  maxPlanBytes: number;
}

/** What the gateway asks of a planner worker. Messages are handled in order, one at a time. */
export type PlannerRequest =
  | {
      kind: 'load';
      /** Names the supergraph version; the worker keeps the planner of the last one loaded. */
      version: string;
      supergraphSdl: string;
      validateSupergraph: boolean;
    }
  | {
      kind: 'plan';
      id: number;
      query: string;
      operationName: string | undefined;
      /** Validate with graphql-js first (the playground's path; /graphql's documents were validated by Apollo Server). */
      validate: boolean;
    };

/**
 * The operation as the planner planned it when client fields were given aliases of their own
 * (RequiresConflicts): its text, and each alias → the client's response name.
 */
export interface PlannedRewrite {
  query: string;
  renames: [alias: string, responseName: string][];
}

/** A planning error as it crossed the thread: a GraphQLError keeps its extensions. */
export interface PlanningError {
  message: string;
  extensions?: Record<string, unknown>;
}

/** What a planner worker answers. */
export type PlannerReply =
  | { kind: 'loaded'; version: string }
  | { kind: 'load-failed'; version: string; message: string }
  | {
      kind: 'planned';
      id: number;
      /** Plan nodes are plain objects: the plan arrives by structured clone. */
      plan: QueryPlan;
      /** Length of the plan's JSON: what the size budget measures. */
      bytes: number;
      milliseconds: number;
      rewrite?: PlannedRewrite;
    }
  | { kind: 'oversized'; id: number; bytes: number }
  | { kind: 'invalid'; id: number; errors: string[] }
  | { kind: 'failed'; id: number; error: PlanningError };
