import { type Operation, operationFromDocument, type Schema } from '@apollo/federation-internals';
import type { QueryPlan } from '@apollo/query-planner';
import {
  type DocumentNode,
  type FragmentDefinitionNode,
  GraphQLError,
  Kind,
  type OperationDefinitionNode,
  parse,
} from 'graphql';
import { compileResponseShape, type ResponseShape } from '../execution/response-shape';
import type { PlannedSupergraph, PlannerPool } from './planner-pool';

/** Everything derivable from one operation on one supergraph version, made once and reused by every request. */
export interface PreparedOperation {
  definition: OperationDefinitionNode;
  operation: Operation;
  plan: QueryPlan;
  shape: ResponseShape;
  /** Aliases the plan uses for client fields (see RequiresConflicts) → the client's response names. */
  renames: ReadonlyMap<string, string>;
}

const NO_RENAMES: ReadonlyMap<string, string> = new Map();

// Plans kept per supergraph version; past this many the oldest go first.
const MAX_PLANS = 1000;

/**
 * The operations prepared for one supergraph version, keyed by the operation's text hash and
 * name. Plans are made off the event loop by the planner pool (Apollo's planner over the same
 * supergraph, within the planning budget); only a plan that came back is shaped here.
 */
export class OperationPlans {
  private readonly prepared = new Map<string, PreparedOperation>();

  constructor(
    private readonly supergraph: PlannedSupergraph,
    private readonly apiSchema: Schema,
    private readonly planner: PlannerPool,
  ) {}

  /** The operation of `document` that `operationName` picks (the stock gateway's `buildOperationContext`). */
  static pickOperation(
    document: DocumentNode,
    operationName: string | null | undefined,
  ): OperationDefinitionNode {
    let picked: OperationDefinitionNode | undefined;
    let count = 0;
    for (const definition of document.definitions) {
      if (definition.kind !== Kind.OPERATION_DEFINITION) continue;
      count++;
      if (!operationName && count > 1)
        throw new GraphQLError('Must provide operation name if query contains multiple operations.');
      if (!operationName || definition.name?.value === operationName) picked = definition;
    }
    if (!picked)
      throw new GraphQLError(
        operationName ? `Unknown operation named "${operationName}".` : 'Must provide an operation.',
      );
    return picked;
  }

  get(queryHash: string, operationName: string | null | undefined): PreparedOperation | undefined {
    return this.prepared.get(planKey(queryHash, operationName));
  }

  /**
   * Plans the operation `source` spells (throws what the planner throws, and PlanRefused over
   * the budget) and keeps what was made of it.
   */
  async prepare(
    queryHash: string,
    source: string,
    document: DocumentNode,
    definition: OperationDefinitionNode,
    operationName: string | null | undefined,
  ): Promise<PreparedOperation> {
    const planned = await this.planner.plan({
      supergraph: this.supergraph,
      query: source,
      operationName: operationName ?? undefined,
      validate: false,
    });
    // Apollo Server validated the document already: the planner finding it invalid is a bug.
    if (planned.kind === 'invalid')
      throw new Error(`the planner found the operation invalid: ${planned.errors[0]}`);
    // Requests for the same operation that waited on the same planning: the first one shaped it.
    const known = this.get(queryHash, operationName);
    if (known) return known;
    const { plan, rewrite } = planned;
    // The planner thread may have given client fields aliases (RequiresConflicts): shape as it planned.
    const plannedDocument = rewrite ? parse(rewrite.query) : document;
    const fragments = plannedDocument.definitions.filter(
      (candidate): candidate is FragmentDefinitionNode => candidate.kind === Kind.FRAGMENT_DEFINITION,
    );
    const operation = operationFromDocument(
      this.apiSchema,
      {
        kind: Kind.DOCUMENT,
        definitions: [
          rewrite ? OperationPlans.pickOperation(plannedDocument, operationName) : definition,
          ...fragments,
        ],
      },
      { validate: false },
    );
    const renames = rewrite ? new Map(rewrite.renames) : NO_RENAMES;
    const prepared: PreparedOperation = {
      definition,
      operation,
      plan,
      shape: compileResponseShape(operation, renames),
      renames,
    };
    if (this.prepared.size >= MAX_PLANS) {
      const oldest = this.prepared.keys().next().value;
      if (oldest !== undefined) this.prepared.delete(oldest);
    }
    this.prepared.set(planKey(queryHash, operationName), prepared);
    return prepared;
  }
}

function planKey(queryHash: string, operationName: string | null | undefined): string {
  return `${operationName ?? ''}\n${queryHash}`;
}
