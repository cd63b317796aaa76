import { createHash, randomUUID } from 'node:crypto';
import type { GatewayExecutionResult, GatewayGraphQLRequestContext } from '@apollo/server-gateway-interface';
import type { Caller } from '@shop/platform/auth';
import { runWithRequestContext } from '@shop/platform/request-context';
import { type ExecutionResult, GraphQLError, type GraphQLFormattedError } from 'graphql';
import type { GatewayContext } from '../context';
import { OperationRejected } from '../limits/operation-guard';
import type { AdmittedOperation } from './operation-admission';
import { subscriptionStream, tokenExpired } from './subscription-stream';

/** Who opens a subscription: the caller the token proved, until when it is valid, and from where. */
export interface Subscriber {
  caller: Caller | null;
  /** When the token expires (ms since the epoch); null for an anonymous caller. */
  expiresAt: number | null;
  clientAddress: string | null;
}

export interface SubscriptionRunnerOptions {
  /** Runs a subscription under the supergraph's access rules (EnforcingGateway.subscribe). */
  subscribe(
    requestContext: GatewayGraphQLRequestContext,
  ): Promise<GatewayExecutionResult | AsyncIterableIterator<GatewayExecutionResult>>;
  formatError(formatted: GraphQLFormattedError, error: unknown): GraphQLFormattedError;
  onRejected: (rejection: OperationRejected) => void;
  /** Across every connection and transport of one user to this gateway process. */
  maxSubscriptionsPerUser: number;
}

/** A subscription let in, with its place among its user's: run it, or give the place back. */
export interface StartedSubscription {
  requestId: string;
  subscriber: Subscriber;
  operation: AdmittedOperation;
  /** Gives the user's place back; once, however the subscription ends. */
  release: () => void;
}

export type SubscriptionOutcome = ExecutionResult | AsyncIterableIterator<ExecutionResult>;

/** The context both transports hand from their onSubscribe to `subscribe`: the subscription let in. */
export type StartedContext = { started: StartedSubscription };

/** What graphql-ws and graphql-sse run for a started subscription (their `subscribe` calls `run`). */
export function executionArgsOf(started: StartedSubscription) {
  const { operation } = started;
  return {
    schema: operation.schema,
    document: operation.document,
    operationName: operation.operationName,
    variableValues: operation.variables,
    contextValue: { started } satisfies StartedContext,
  };
}

/**
 * What the WebSocket and the Server-Sent Events transports do alike with an operation they have
 * admitted: the per-user limit (a place held from `start` until its stream ends), the run in the
 * request's scope under the access rules, the end of the stream when the token expires, and the
 * masking of errors.
 */
export class SubscriptionRunner {
  private readonly openByUser = new Map<string, number>();

  constructor(private readonly options: SubscriptionRunnerOptions) {}

  /** Takes a place among `subscriber`'s subscriptions, or says why not (an expired token, the per-user limit). */
  start(subscriber: Subscriber, operation: AdmittedOperation): StartedSubscription | readonly GraphQLError[] {
    if (subscriber.expiresAt !== null && Date.now() >= subscriber.expiresAt) return [tokenExpired()];
    const userId = subscriber.caller?.userId;
    const { maxSubscriptionsPerUser: limit } = this.options;
    if (userId !== undefined && (this.openByUser.get(userId) ?? 0) >= limit) {
      const rejection = new OperationRejected(
        'MAX_SUBSCRIPTIONS_PER_USER_LIMIT',
        `You already have ${limit} subscriptions open, the most allowed: end one first.`,
        { limit },
      );
      this.options.onRejected(rejection);
      return [rejection];
    }
    if (userId !== undefined) this.openByUser.set(userId, (this.openByUser.get(userId) ?? 0) + 1);
    let released = false;
    const release = () => {
      if (released || userId === undefined) return;
      released = true;
      const left = (this.openByUser.get(userId) ?? 1) - 1;
      if (left > 0) this.openByUser.set(userId, left);
      else this.openByUser.delete(userId);
    };
    return { requestId: randomUUID(), subscriber, operation, release };
  }

  /** Runs a started subscription: its events until it ends, its token expires, or the client stops. */
  async run(started: StartedSubscription): Promise<SubscriptionOutcome> {
    const { requestId, subscriber, operation, release } = started;
    let outcome: SubscriptionOutcome;
    try {
      outcome = (await runWithRequestContext({ requestId, clientAddress: subscriber.clientAddress }, () =>
        this.options.subscribe(requestContextOf(operation, { requestId, caller: subscriber.caller })),
      )) as SubscriptionOutcome;
    } catch (error) {
      release();
      return { errors: [asGraphQLError(error)] };
    }
    if (!(Symbol.asyncIterator in outcome)) {
      release();
      return outcome;
    }
    return subscriptionStream(outcome, { release, expiresAt: subscriber.expiresAt });
  }

  /** The operation limits' own refusals go as they are (as over HTTP); everything else is masked as any answer is. */
  format(error: GraphQLError): GraphQLError {
    const json =
      error instanceof OperationRejected ? error.toJSON() : this.options.formatError(error.toJSON(), error);
    return json as unknown as GraphQLError;
  }

  /** A result with its errors formatted, or undefined when it has none (sent as it is). */
  formatResult(result: ExecutionResult): ExecutionResult | undefined {
    return result.errors
      ? { ...result, errors: result.errors.map((error) => this.format(error)) }
      : undefined;
  }
}

/** What the engine reads of Apollo Server's request context, for an operation that never went through it. */
function requestContextOf(
  operation: AdmittedOperation,
  context: GatewayContext,
): GatewayGraphQLRequestContext {
  return {
    request: {
      query: operation.query,
      variables: operation.variables,
      operationName: operation.operationName,
    },
    document: operation.document,
    source: operation.query,
    queryHash: createHash('sha256').update(operation.query).digest('hex'),
    operationName: operation.operationName ?? null,
    context,
  } as unknown as GatewayGraphQLRequestContext;
}

function asGraphQLError(error: unknown): GraphQLError {
  if (error instanceof GraphQLError) return error;
  return new GraphQLError((error as Error).message ?? String(error), { originalError: error as Error });
}
