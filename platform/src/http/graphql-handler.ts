import type { IncomingHttpHeaders, IncomingMessage, ServerResponse } from 'node:http';
import { type ApolloServer, type BaseContext, HeaderMap, type HTTPGraphQLRequest } from '@apollo/server';
import { readBody, refuseRequest } from './body';
import { assertJsonDepth } from './json-depth';
import { HttpError } from './respond';

/** A request as it arrived, before anything was parsed: what a check over the exact bytes (a signature) needs. */
export interface ReceivedRequest {
  method: string;
  /** Path and query string, as sent. */
  target: string;
  headers: IncomingHttpHeaders;
  /** The body's bytes; empty for a GET. */
  body: Buffer;
}

/** What serves GraphQL over HTTP: an Apollo Server, or a pipeline of stages in front of one. */
export interface GraphQLHttpServer<TContext extends BaseContext> {
  executeHTTPGraphQLRequest: ApolloServer<TContext>['executeHTTPGraphQLRequest'];
}

export interface GraphQLHandlerOptions<TContext extends BaseContext, TAdmission = undefined> {
  /**
   * Runs first, on the request as received, before its body is parsed or Apollo sees it: an
   * HttpError thrown here refuses the request with its status. What it returns goes to `context`.
   */
  admit?: (received: ReceivedRequest) => TAdmission;
  context: (req: IncomingMessage, admission: TAdmission | undefined) => Promise<TContext>;
  bodyLimitBytes: number;
}

const JSON_CONTENT_TYPE = /^application\/(graphql-response\+)?json\b/i;

/**
 * Serves GraphQL on plain `node:http`: the request is read (bounded), admitted, handed to
 * `server` (in the end Apollo's HTTP pipeline, which does CSRF prevention, GET-vs-mutation checks
 * and content negotiation) and the answer written back, streamed when it is streamed.
 */
export function createGraphQLHandler<TContext extends BaseContext, TAdmission = undefined>(
  server: GraphQLHttpServer<TContext>,
  options: GraphQLHandlerOptions<TContext, TAdmission>,
) {
  return async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    let httpGraphQLRequest: HTTPGraphQLRequest;
    let admission: TAdmission | undefined;
    try {
      const received = await receive(req, options.bodyLimitBytes);
      admission = options.admit?.(received);
      httpGraphQLRequest = toHttpGraphQLRequest(received);
    } catch (error) {
      if (!(error instanceof HttpError)) throw error;
      await refuseRequest(req, res, error);
      return;
    }
    const response = await server.executeHTTPGraphQLRequest({
      httpGraphQLRequest,
      context: () => options.context(req, admission),
    });
    for (const [key, value] of response.headers) res.setHeader(key, value);
    res.statusCode = response.status ?? 200;
    if (response.body.kind === 'complete') {
      res.end(response.body.string);
      return;
    }
    for await (const chunk of response.body.asyncIterator) res.write(chunk);
    res.end();
  };
}

async function receive(req: IncomingMessage, bodyLimitBytes: number): Promise<ReceivedRequest> {
  const method = (req.method ?? 'GET').toUpperCase();
  const body = method === 'POST' ? await readBody(req, bodyLimitBytes) : Buffer.alloc(0);
  return { method, target: req.url ?? '/', headers: req.headers, body };
}

function toHttpGraphQLRequest({ method, target, headers: raw, body }: ReceivedRequest): HTTPGraphQLRequest {
  const headers = new HeaderMap();
  for (const [key, value] of Object.entries(raw)) {
    if (value !== undefined) headers.set(key, Array.isArray(value) ? value.join(', ') : value);
  }
  const queryStart = target.indexOf('?');
  const search = queryStart === -1 ? '' : target.slice(queryStart);
  if (method !== 'POST') {
    const params = new URLSearchParams(search);
    for (const name of ['variables', 'extensions']) {
      const value = params.get(name);
      if (value !== null) assertJsonDepth(value, `The ${name} parameter`);
    }
    return { method, headers, search, body: undefined };
  }

  // Apollo answers a POST that is not JSON itself (400, or its CSRF error for text/plain).
  if (!JSON_CONTENT_TYPE.test(headers.get('content-type') ?? ''))
    return { method, headers, search, body: undefined };
  assertJsonDepth(body, 'The request body');
  try {
    return {
      method,
      headers,
      search,
      body: body.length === 0 ? undefined : JSON.parse(body.toString('utf8')),
    };
  } catch {
    throw new HttpError(400, 'The request body is not valid JSON.');
  }
}
