import type { SubscriptionNode } from '@apollo/query-planner';
import type { GatewayExecutionResult, GatewayGraphQLRequestContext } from '@apollo/server-gateway-interface';
import type { Caller } from '@shop/platform/auth';
import { mapStream } from '@shop/platform/pushed-stream';
import { currentRequestContext, runWithRequestContext } from '@shop/platform/request-context';
import type { GraphQLError, GraphQLFormattedError } from 'graphql';
import type { GatewayContext } from '../context';
import type { PreparedOperation } from '../planning/operation-plans';
import { type ExecutionSupergraph, executePlanNode, fetchVariables, receiveRootAnswer } from './execute-plan';
import type { ResultObject } from './result-data';

/** What a subgraph's subscription is opened with: the plan's primary fetch, for one caller. */
export interface SubgraphSubscriptionRequest {
  query: string;
  operationName: string | undefined;
  variables: Record<string, unknown>;
  caller: Caller | null;
  clientAddress: string | null;
}

/** One event of a subgraph's subscription, as it came over the wire. */
export interface SubgraphEvent {
  data?: ResultObject | null;
  errors?: readonly GraphQLFormattedError[];
}

/** Where one subgraph's subscriptions are opened (see subscriptions/subgraph-subscriptions.ts). */
export interface SubscriptionSource {
  /** The subgraph's events, bounded; ending the iterator closes the subscription upstream at once. */
  open(request: SubgraphSubscriptionRequest): AsyncIterableIterator<SubgraphEvent>;
}

/**
 * A subscription plan run: `primary` opened on its subgraph, and for each event, `rest` fetches
 * what other subgraphs own (as any query's plan, entities batched), then `answer` shapes it.
 * Each event runs in the request scope the subscription started in (its id and client address).
 */
export function subscriptionEvents(
  supergraph: ExecutionSupergraph,
  node: SubscriptionNode,
  source: SubscriptionSource,
  prepared: PreparedOperation,
  requestContext: GatewayGraphQLRequestContext,
  answer: (data: ResultObject, errors: (GraphQLError | Error)[]) => GatewayExecutionResult,
): AsyncIterableIterator<GatewayExecutionResult> {
  const { primary, rest } = node;
  const scope = currentRequestContext() ?? { requestId: 'unknown' };
  const events = source.open({
    query: primary.operation,
    operationName: primary.operationName,
    variables: fetchVariables(primary, requestContext.request.variables),
    caller: (requestContext.context as GatewayContext).caller ?? null,
    clientAddress: scope.clientAddress ?? null,
  });
  return mapStream(events, (event) =>
    runWithRequestContext(scope, async () => {
      const data: ResultObject = Object.create(null);
      const errors: (GraphQLError | Error)[] = receiveRootAnswer(
        supergraph,
        primary,
        event,
        data,
        prepared.renames,
      );
      if (rest && event.data)
        errors.push(
          ...(await executePlanNode(
            supergraph,
            rest,
            data,
            requestContext,
            prepared.operation.variableDefinitions,
            prepared.renames,
          )),
        );
      return answer(data, errors);
    }),
  );
}
