import type { IncomingMessage, ServerResponse } from 'node:http';
import { type ApolloServer, type BaseContext, HeaderMap, type HTTPGraphQLRequest } from '@apollo/server';
import { readBody } from './body';
import { HttpError, sendGraphQLHttpError } from './respond';

export interface GraphQLHandlerOptions<TContext extends BaseContext> {
  context: (req: IncomingMessage) => Promise<TContext>;
  bodyLimitBytes: number;
}

const JSON_CONTENT_TYPE = /^application\/(graphql-response\+)?json\b/i;

/**
 * Serves an Apollo Server on plain `node:http`: the request is read (bounded), handed to
 * Apollo's HTTP pipeline (which does CSRF prevention, GET-vs-mutation checks and content
 * negotiation) and the answer written back, streamed when Apollo streams.
 */
export function createGraphQLHandler<TContext extends BaseContext>(
  apollo: ApolloServer<TContext>,
  options: GraphQLHandlerOptions<TContext>,
) {
  return async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    let httpGraphQLRequest: HTTPGraphQLRequest;
    try {
      httpGraphQLRequest = await toHttpGraphQLRequest(req, options.bodyLimitBytes);
    } catch (error) {
      if (!(error instanceof HttpError)) throw error;
      if (error.status === 413) res.setHeader('connection', 'close');
      sendGraphQLHttpError(res, error);
      return;
    }
    const response = await apollo.executeHTTPGraphQLRequest({
      httpGraphQLRequest,
      context: () => options.context(req),
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

async function toHttpGraphQLRequest(
  req: IncomingMessage,
  bodyLimitBytes: number,
): Promise<HTTPGraphQLRequest> {
  const headers = new HeaderMap();
  for (const [key, value] of Object.entries(req.headers)) {
    if (value !== undefined) headers.set(key, Array.isArray(value) ? value.join(', ') : value);
  }
  const method = (req.method ?? 'GET').toUpperCase();
  const url = req.url ?? '/';
  const queryStart = url.indexOf('?');
  const search = queryStart === -1 ? '' : url.slice(queryStart);
  if (method !== 'POST') return { method, headers, search, body: undefined };

  const raw = await readBody(req, bodyLimitBytes);
  // Apollo answers a POST that is not JSON itself (400, or its CSRF error for text/plain).
  if (!JSON_CONTENT_TYPE.test(headers.get('content-type') ?? ''))
    return { method, headers, search, body: undefined };
  try {
    return { method, headers, search, body: raw.length === 0 ? undefined : JSON.parse(raw.toString('utf8')) };
  } catch {
    throw new HttpError(400, 'The request body is not valid JSON.');
  }
}
