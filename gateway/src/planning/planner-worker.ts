import { parentPort, workerData } from 'node:worker_threads';
import { operationFromDocument, type Schema, Supergraph } from '@apollo/federation-internals';
import { QueryPlanner } from '@apollo/query-planner';
import { type DocumentNode, GraphQLError, type GraphQLSchema, parse, validate } from 'graphql';
import type { PlannerReply, PlannerRequest, PlannerWorkerData } from './planner-messages';
import { RequiresConflicts } from './requires-conflicts';
import { preferResolvableKeys } from './resolvable-keys';

/**
 * A query planner on a thread of its own (see PlannerPool): Apollo's QueryPlanner over the
 * supergraph version last loaded, planning one operation text at a time. Nothing here may touch
 * the gateway's event loop, which is the point: a plan that takes seconds costs only this thread.
 */
interface LoadedSupergraph {
  version: string;
  apiSchema: Schema;
  planner: QueryPlanner;
  /** graphql-js's schema of the API: validation (the playground) and the @requires corrections. */
  clientSchema: GraphQLSchema;
  requiresConflicts: RequiresConflicts;
}

preferResolvableKeys();

const port = parentPort;
if (!port) throw new Error('the query planner worker runs only as a worker thread');
const { maxPlanBytes } = workerData as PlannerWorkerData;
let loaded: LoadedSupergraph | null = null;

port.on('message', (request: PlannerRequest) => {
  port.postMessage(handle(request));
});

function handle(request: PlannerRequest): PlannerReply {
  if (request.kind === 'load') {
    try {
      const supergraph = Supergraph.build(request.supergraphSdl, {
        validateSupergraph: request.validateSupergraph,
      });
      const apiSchema = supergraph.apiSchema();
      // As the engine's: with @defer declared, so a deferred operation validates here too.
      const clientSchema = apiSchema.toGraphQLJSSchema({ includeDefer: true });
      loaded = {
        version: request.version,
        apiSchema,
        // @defer planned into Defer nodes: the engine delivers them in parts, or inline for a whole answer.
        planner: new QueryPlanner(supergraph, { incrementalDelivery: { enableDefer: true } }),
        clientSchema,
        requiresConflicts: new RequiresConflicts(clientSchema, request.supergraphSdl),
      };
      return { kind: 'loaded', version: request.version };
    } catch (error) {
      loaded = null;
      return { kind: 'load-failed', version: request.version, message: messageOf(error) };
    }
  }
  const { id } = request;
  if (!loaded) return { kind: 'failed', id, error: { message: 'the query planner has no supergraph' } };
  const started = performance.now();
  let document: DocumentNode;
  try {
    document = parse(request.query);
  } catch (error) {
    return { kind: 'invalid', id, errors: [messageOf(error)] };
  }
  if (request.validate) {
    const invalid = validate(loaded.clientSchema, document);
    if (invalid.length > 0) return { kind: 'invalid', id, errors: invalid.map((error) => error.message) };
  }
  try {
    // Here, not on the gateway's thread: reading fragments in place can cost what planning costs.
    const rewritten = loaded.requiresConflicts.rewrite(document);
    if (rewritten && rewritten.source.length > maxPlanBytes)
      return { kind: 'oversized', id, bytes: rewritten.source.length };
    const operation = operationFromDocument(
      loaded.apiSchema,
      rewritten?.document ?? document,
      request.operationName ? { operationName: request.operationName } : {},
    );
    const plan = loaded.planner.buildQueryPlan(operation);
    const bytes = JSON.stringify(plan).length;
    // An oversized plan stays here: copying it to the gateway's thread would cost what the budget saves.
    if (bytes > maxPlanBytes) return { kind: 'oversized', id, bytes };
    const milliseconds = performance.now() - started;
    if (!rewritten) return { kind: 'planned', id, plan, bytes, milliseconds };
    const rewrite = { query: rewritten.source, renames: [...rewritten.renames] };
    return { kind: 'planned', id, plan, bytes, milliseconds, rewrite };
  } catch (error) {
    return {
      kind: 'failed',
      id,
      error:
        error instanceof GraphQLError
          ? { message: error.message, extensions: { ...error.extensions } }
          : { message: messageOf(error) },
    };
  }
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
