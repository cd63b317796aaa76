import { signGatewayRequest } from '@shop/platform/auth';
import { traceOutgoingRequest } from '@shop/platform/telemetry';
import { GraphQLError } from 'graphql';
import type { ReceivedAnswer, SubgraphFetcher } from './subgraph-fetcher';
import type {
  CacheHint,
  SubgraphAnswer,
  SubgraphCall,
  SubgraphRequest,
  SubgraphService,
} from './subgraph-service';

export interface SubgraphClientOptions {
  name: string;
  url: string;
  /** The secret this subgraph checks the gateway's proof with (`SUBGRAPH_<NAME>_SECRET`); unsigned without one. */
  secret: string | undefined;
  /** Sends the request: the pooled, guarded fetcher of this subgraph. */
  fetcher: SubgraphFetcher;
}

/**
 * How the gateway calls one subgraph over HTTP, answering as @apollo/gateway's
 * `RemoteGraphQLDataSource` does (the reference the engine is held to): a JSON POST, the answer's
 * `Cache-Control` narrowing the client operation's cache policy, an HTTP error as
 * `<status>: <text>` with the response in its extensions. Every request carries the client's
 * request id, so one id ties the log lines of every service that worked on it, a trace context,
 * and the gateway's proof: the verified caller and client address, signed with the subgraph's
 * secret over the exact bytes sent.
 */
export function subgraphClient(options: SubgraphClientOptions): SubgraphService {
  const { name, url, secret, fetcher } = options;
  const target = new URL(url);
  const path = `${target.pathname}${target.search}`;
  const spanName = `POST ${name}`;
  return {
    async send(request: SubgraphRequest, call: SubgraphCall): Promise<SubgraphAnswer> {
      const body = JSON.stringify({
        query: request.query,
        variables: request.variables,
        operationName: request.operationName,
      });
      const proof =
        secret === undefined
          ? {}
          : signGatewayRequest(secret, {
              method: 'POST',
              path,
              body,
              caller: call.caller,
              clientAddress: call.clientAddress,
            });
      const answer = await traceOutgoingRequest({ method: 'POST', url, spanName }, (traceHeaders) =>
        fetcher.send(target, {
          body,
          headers: {
            ...traceHeaders,
            'content-type': 'application/json',
            'x-request-id': call.requestId,
            ...proof,
          },
          idempotent: request.idempotent,
        }),
      );
      if (answer.status < 200 || answer.status > 299) throw errorFromAnswer(name, url, answer);
      const parsed = parseBody(answer);
      if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed))
        throw new Error(`Expected JSON response body, but received: ${String(parsed)}`);
      call.cachePolicy?.restrict(cacheHintOf(header(answer, 'cache-control')));
      return parsed as SubgraphAnswer;
    },
  };
}

/** `<status>: <text>` with the response in its extensions, as the stock data source reports a failed request. */
function errorFromAnswer(subgraph: string, url: string, answer: ReceivedAnswer): GraphQLError {
  // A refused proof means the gateway and the subgraph disagree on the secret: an internal
  // fault, not the client's, so it must not reach the client as UNAUTHENTICATED or FORBIDDEN.
  if (answer.status === 401 || answer.status === 403)
    return new GraphQLError(
      `subgraph ${subgraph} refused the gateway's proof (${answer.status}): check SUBGRAPH_*_SECRET at the gateway and GATEWAY_SECRET at the subgraph`,
      { extensions: { code: 'INTERNAL_SERVER_ERROR' } },
    );
  const statusText = `HTTP ${answer.status}`;
  return new GraphQLError(`${answer.status}: ${statusText}`, {
    extensions: { response: { url, status: answer.status, statusText, body: parseBody(answer) } },
  });
}

function parseBody(answer: ReceivedAnswer): unknown {
  const type = header(answer, 'content-type') ?? '';
  const json = type.startsWith('application/json') || type.startsWith('application/graphql-response+json');
  return json ? JSON.parse(answer.body) : answer.body;
}

function header(answer: ReceivedAnswer, name: string): string | undefined {
  return answer.headers.find(([key]) => key === name)?.[1];
}

/** What `Cache-Control` allows, read as the stock data source reads it: no `max-age` is 0. */
function cacheHintOf(cacheControl: string | undefined): CacheHint {
  const directives = new Map<string, string | true>();
  for (const part of (cacheControl ?? '').trim().split(/\s*,\s*/)) {
    const [key = '', value] = part.split(/\s*=\s*/, 2);
    directives.set(key, value === undefined ? true : value.replace(/^"|"$/g, ''));
  }
  const maxAge = directives.get('max-age');
  const hint: CacheHint = {
    maxAge: typeof maxAge === 'string' && /^[0-9]+$/.test(maxAge) ? Number(maxAge) : 0,
  };
  if (directives.get('private') === true) hint.scope = 'PRIVATE';
  if (directives.get('public') === true) hint.scope = 'PUBLIC';
  return hint;
}
