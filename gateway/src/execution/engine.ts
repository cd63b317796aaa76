import { type FieldSelection, type Schema, Supergraph } from '@apollo/federation-internals';
import type { DeferredNode } from '@apollo/query-planner';
import type { GatewayExecutionResult, GatewayGraphQLRequestContext } from '@apollo/server-gateway-interface';
import {
  type DocumentNode,
  executeSync,
  type FieldNode,
  GraphQLError,
  type GraphQLSchema,
  getVariableValues,
  Kind,
  OperationTypeNode,
  print,
  type VariableDefinitionNode,
  visit,
} from 'graphql';
import type { SubgraphService } from '../fetcher/subgraph-service';
import { OperationPlans, type PreparedOperation } from '../planning/operation-plans';
import { type PlannerPool, plannedSupergraph } from '../planning/planner-pool';
import {
  DeferredParts,
  errorsByItem,
  type IncrementalItem,
  partTargets,
  type SubsequentResult,
} from './deferred-parts';
import { executePlanNode } from './execute-plan';
import {
  compilePartShape,
  type PartShape,
  selectsSubgraphFields,
  shapePart,
  shapeResponse,
} from './response-shape';
import type { ResultObject } from './result-data';
import { type SubscriptionSource, subscriptionEvents } from './subscription-events';
import { TypeConditions } from './type-conditions';

const NOT_SUPPORTED = { extensions: { code: 'OPERATION_NOT_SUPPORTED' } };

export interface SubgraphEndpoint {
  name: string;
  url: string;
}

/** How the answer goes: whole (one result), or in parts when the operation defers fragments. */
export type Delivery = 'whole' | 'parts';

/** An answer; delivered in parts, this is its first part and `subsequentResults` the rest. */
export interface EngineResult extends GatewayExecutionResult {
  subsequentResults?: AsyncIterableIterator<SubsequentResult>;
}

/**
 * The gateway's engine for one version of the supergraph: the API schema clients see, Apollo's
 * query planner (in the planner pool's threads), and our executor over the subgraphs' data
 * sources. A request is planned once per distinct operation (see OperationPlans), then only
 * fetches, merges and shapes.
 */
export class SupergraphEngine {
  /** The API schema, as graphql-js: what Apollo Server validates operations against. */
  readonly schema: GraphQLSchema;
  private readonly apiSchema: Schema;
  private readonly plans: OperationPlans;
  private readonly types: TypeConditions;
  private readonly subgraphs: Map<string, SubgraphService>;
  private readonly subscriptionSources: Map<string, SubscriptionSource>;
  private readonly introspectionDocuments = new WeakMap<FieldSelection, DocumentNode>();
  // Per deferred block of a kept plan, once: the shape of its part.
  private readonly partShapes = new WeakMap<DeferredNode, PartShape>();

  constructor(
    supergraphSdl: string,
    options: {
      validateSupergraph: boolean;
      subgraphFor: (subgraph: SubgraphEndpoint) => SubgraphService;
      planner: PlannerPool;
      subscriptionSourceFor: (subgraph: SubgraphEndpoint) => SubscriptionSource;
    },
  ) {
    const supergraph = Supergraph.build(supergraphSdl, { validateSupergraph: options.validateSupergraph });
    this.apiSchema = supergraph.apiSchema();
    // With @defer declared: clients may defer fragments (validation would refuse the directive otherwise).
    this.schema = this.apiSchema.toGraphQLJSSchema({ includeDefer: true });
    this.types = new TypeConditions(supergraph.schema.toGraphQLJSSchema());
    const planned = plannedSupergraph(supergraphSdl);
    options.planner.warm(planned);
    this.plans = new OperationPlans(planned, this.apiSchema, options.planner);
    const subgraphs = supergraph.subgraphsMetadata();
    this.subgraphs = new Map(subgraphs.map((subgraph) => [subgraph.name, options.subgraphFor(subgraph)]));
    this.subscriptionSources = new Map(
      subgraphs.map((subgraph) => [subgraph.name, options.subscriptionSourceFor(subgraph)]),
    );
  }

  readonly execute = async (
    requestContext: GatewayGraphQLRequestContext,
    delivery: Delivery = 'whole',
  ): Promise<EngineResult> => {
    const prepared = await this.prepare(requestContext);
    return 'plan' in prepared ? this.run(prepared, requestContext, delivery) : prepared;
  };

  /**
   * A subscription: its plan's `primary` opened on the owning subgraph, and each of its events
   * completed by `rest` (fields other subgraphs own) and shaped as a query's answer is.
   */
  readonly subscribe = async (
    requestContext: GatewayGraphQLRequestContext,
  ): Promise<GatewayExecutionResult | AsyncIterableIterator<GatewayExecutionResult>> => {
    const prepared = await this.prepare(requestContext);
    if (!('plan' in prepared)) return prepared;
    const node = prepared.plan.node;
    if (node?.kind !== 'Subscription')
      return {
        errors: [new GraphQLError('Only subscriptions are served over this transport.', NOT_SUPPORTED)],
      };
    const source = this.subscriptionSources.get(node.primary.serviceName);
    if (!source) throw new Error(`Couldn't find service with name "${node.primary.serviceName}"`);
    const variables = requestContext.request.variables;
    return subscriptionEvents(
      { subgraphs: this.subgraphs, types: this.types },
      node,
      source,
      prepared,
      requestContext,
      (data, errors) => this.answer(prepared, data, errors, variables),
    );
  };

  /** The prepared operation of a request (planned once per operation), or the errors of its variables. */
  private async prepare(
    requestContext: GatewayGraphQLRequestContext,
  ): Promise<PreparedOperation | GatewayExecutionResult> {
    const { request, document, queryHash, source } = requestContext;
    const prepared = this.plans.get(queryHash, request.operationName);
    const definition = prepared?.definition ?? OperationPlans.pickOperation(document, request.operationName);
    if (definition.variableDefinitions && definition.variableDefinitions.length > 0) {
      const { errors } = getVariableValues(
        this.schema,
        definition.variableDefinitions,
        request.variables ?? {},
      );
      if (errors) return { errors };
    }
    return (
      prepared ??
      this.plans.prepare(queryHash, source ?? print(document), document, definition, request.operationName)
    );
  }

  private async run(
    prepared: PreparedOperation,
    requestContext: GatewayGraphQLRequestContext,
    delivery: Delivery,
  ): Promise<EngineResult> {
    const { plan, operation, shape } = prepared;
    const data: ResultObject = Object.create(null);
    let errors: (GraphQLError | Error)[] = [];
    if (plan.node?.kind === 'Subscription')
      // A stream has no single answer: it is served over graphql-ws and graphql-sse (see subscriptions/).
      throw new GraphQLError(
        'Subscriptions are served over WebSocket (graphql-transport-ws) and Server-Sent Events (graphql-sse) only.',
        NOT_SUPPORTED,
      );
    const variables = requestContext.request.variables;
    // The planner answers an empty plan when no subgraph can resolve a selected field: refuse it
    // rather than answer nulls as if the subgraphs had said so (the audit's non-resolvable-interface-object).
    if (!plan.node && selectsSubgraphFields(shape, variables))
      return {
        data: null,
        errors: [
          new GraphQLError('No subgraph can resolve the fields this operation selects.', {
            extensions: { code: 'OPERATION_RESOLUTION_FAILURE' },
          }),
        ],
      };
    const parts =
      delivery === 'parts'
        ? new DeferredParts((block, subselection, blockErrors) =>
            this.itemsOf(prepared, data, block, subselection, blockErrors, variables),
          )
        : null;
    if (plan.node)
      errors = await executePlanNode(
        { subgraphs: this.subgraphs, types: this.types },
        plan.node,
        data,
        requestContext,
        operation.variableDefinitions,
        prepared.renames,
        parts,
      );
    if (!parts?.started) return this.answer(prepared, data, errors, variables);
    return { ...this.answer(prepared, data, errors, variables, true), subsequentResults: parts.results };
  }

  /** A deferred block's part: its fields of each object it completes, each object's errors with it. */
  private itemsOf(
    prepared: PreparedOperation,
    data: ResultObject,
    block: DeferredNode,
    subselection: string | undefined,
    errors: (GraphQLError | Error)[],
    variables: Record<string, unknown> | undefined,
  ): IncrementalItem[] {
    let part = this.partShapes.get(block);
    if (!part) {
      part = compilePartShape(prepared.operation, block.queryPath, subselection, prepared.renames);
      this.partShapes.set(block, part);
    }
    const targets = partTargets(this.types, data, block.queryPath, prepared.renames);
    const targetErrors = errorsByItem(targets, errors);
    return targets.map((target, index) => {
      const shaped = shapePart(
        prepared.shape,
        part,
        target.object,
        [...target.path],
        variables,
        (selection) => this.introspect(selection, prepared.definition.variableDefinitions, variables),
      );
      const itemErrors = [...(targetErrors[index] ?? []), ...shaped.errors];
      return {
        data: shaped.data,
        path: target.path,
        ...(block.label === undefined ? {} : { label: block.label }),
        ...(itemErrors.length > 0 ? { errors: itemErrors } : {}),
      };
    });
  }

  /** The client's answer (its first part when `leaveOutDeferred`): `data` shaped as the operation asked, with the errors fetching found. */
  private answer(
    prepared: PreparedOperation,
    data: ResultObject,
    errors: (GraphQLError | Error)[],
    variables: Record<string, unknown> | undefined,
    leaveOutDeferred = false,
  ): GatewayExecutionResult {
    let shaped: ReturnType<typeof shapeResponse>;
    try {
      shaped = shapeResponse(
        prepared.shape,
        data,
        variables,
        (selection) => this.introspect(selection, prepared.definition.variableDefinitions, variables),
        leaveOutDeferred,
      );
    } catch (error) {
      if (error instanceof GraphQLError) return { errors: [error] };
      return { errors: [new GraphQLError((error as Error).message, { originalError: error as Error })] };
    }
    // As the stock gateway: errors found while shaping are reported only when fetching found none,
    // and then as `extensions.valueCompletion` (clients relied on not getting them as errors).
    if (errors.length === 0 && shaped.errors.length > 0)
      return { extensions: { valueCompletion: shaped.errors }, data: shaped.data };
    return errors.length === 0
      ? { data: shaped.data }
      : { errors: errors as GraphQLError[], data: shaped.data };
  }

  private introspect(
    selection: FieldSelection,
    variableDefinitions: readonly VariableDefinitionNode[] | undefined,
    variables: Record<string, unknown> | undefined,
  ): unknown {
    let document = this.introspectionDocuments.get(selection);
    if (!document) {
      document = introspectionDocument(selection.expandFragments().toSelectionNode(), variableDefinitions);
      this.introspectionDocuments.set(selection, document);
    }
    const { data, errors } = executeSync({
      schema: this.schema,
      document,
      rootValue: {},
      variableValues: variables,
    });
    if ((errors && errors.length > 0) || !data) throw new Error('introspection failed');
    const field = selection.element;
    return Object.hasOwn(data, field.responseName()) ? data[field.responseName()] : undefined;
  }
}

/** A query of one introspection field, with the variable definitions it uses. */
function introspectionDocument(
  field: FieldNode,
  variableDefinitions: readonly VariableDefinitionNode[] | undefined,
): DocumentNode {
  const used = new Set<string>();
  visit(field, {
    Variable: ({ name }) => {
      used.add(name.value);
    },
  });
  return {
    kind: Kind.DOCUMENT,
    definitions: [
      {
        kind: Kind.OPERATION_DEFINITION,
        operation: OperationTypeNode.QUERY,
        variableDefinitions: variableDefinitions?.filter((definition) =>
          used.has(definition.variable.name.value),
        ),
        selectionSet: { kind: Kind.SELECTION_SET, selections: [field] },
      },
    ],
  };
}
