import type { IncomingMessage } from 'node:http';
import { assertJsonDepth, HttpError, type RouteHandler, readBody, refuseRequest } from '@shop/platform/http';
import type { ExecutionResult, GraphQLError } from 'graphql';
import { createHandler, type Response as EventStreamResponse } from 'graphql-sse';
import { type AdmissionRules, type AdmittedOperation, admitOperation } from './operation-admission';
import {
  executionArgsOf,
  type StartedContext,
  type StartedSubscription,
  type Subscriber,
  type SubscriptionRunner,
} from './subscription-runner';

export interface EventStreamOptions {
  rules: AdmissionRules;
  runner: SubscriptionRunner;
  /** Who the request's `Authorization` header proved (bearerAuthentication ran first). */
  subscriberOf(req: IncomingMessage): Subscriber;
  bodyLimitBytes: number;
}

/**
 * Whether a request to `/graphql` is GraphQL over Server-Sent Events rather than plain HTTP: it
 * accepts `text/event-stream` (the distinct-connections mode, and the stream of the single-connection
 * mode), or it reserves (PUT), uses (the stream token) or stops (DELETE) a single-connection stream.
 */
export function isEventStreamRequest(req: IncomingMessage): boolean {
  const method = req.method?.toUpperCase();
  return (
    method === 'PUT' ||
    method === 'DELETE' ||
    req.headers['x-graphql-event-stream-token'] !== undefined ||
    /\btext\/event-stream\b/i.test(req.headers.accept ?? '')
  );
}

/**
 * GraphQL over Server-Sent Events (the `graphql-sse` protocol, both modes) on `/graphql`, for
 * clients that cannot open a WebSocket: the access token in the `authorization` header of each
 * request, the body bounded as on HTTP, and each operation through the same admission, per-user
 * limit and run as over WebSocket. Only subscriptions: queries and mutations have HTTP.
 */
export function serveEventStreams(options: EventStreamOptions): RouteHandler {
  const { runner } = options;
  const handler = createHandler<IncomingMessage, undefined, StartedContext>({
    onSubscribe: async (req, params) => {
      // Over SSE each operation is its own stream (or one of a reserved stream's): only the user's limit counts.
      const verdict = await admitOperation(
        options.rules,
        {
          query: params.query,
          operationName: params.operationName ?? null,
          variables: params.variables ?? null,
          extensions: params.extensions ?? null,
        },
        1,
      );
      if (Array.isArray(verdict)) return refused(runner, verdict);
      const started = runner.start(options.subscriberOf(req.raw), verdict as AdmittedOperation);
      if (Array.isArray(started)) return refused(runner, started);
      return executionArgsOf(started as StartedSubscription);
    },
    subscribe: (args) => runner.run(args.contextValue.started),
    onNext: (_ctx, _req, result) => runner.formatResult(result as ExecutionResult),
  });

  return async (req, res) => {
    let body = '';
    if (req.method?.toUpperCase() === 'POST') {
      try {
        body = (await readBody(req, options.bodyLimitBytes)).toString('utf8');
        assertJsonDepth(body, 'The request body');
      } catch (error) {
        if (!(error instanceof HttpError)) throw error;
        await refuseRequest(req, res, error);
        return;
      }
    }
    const [stream, init] = await handler({
      method: req.method ?? 'GET',
      url: req.url ?? '/graphql',
      headers: {
        get: (key) => {
          const value = req.headers[key.toLowerCase()];
          return Array.isArray(value) ? value.join(', ') : value;
        },
      },
      body: () => body,
      raw: req,
      context: undefined,
    });
    res.writeHead(init.status, init.statusText, init.headers);
    if (!stream || typeof stream === 'string') {
      res.end(stream);
      return;
    }
    // The client went away: the stream ends, and with it the subscription and its upstream socket.
    res.once('close', () => void stream.return?.(undefined));
    for await (const chunk of stream) {
      if (!res.writable) break;
      res.write(chunk);
    }
    res.end();
  };
}

/** A refused operation: 400 with its errors, as an HTTP request's (OperationRejected keeps its own code). */
function refused(runner: SubscriptionRunner, errors: readonly GraphQLError[]): EventStreamResponse {
  return [
    JSON.stringify({ errors: errors.map((error) => runner.format(error)) }),
    {
      status: 400,
      statusText: 'Bad Request',
      headers: { 'content-type': 'application/json; charset=utf-8' },
    },
  ];
}
