import { RemoteGraphQLDataSource } from '@apollo/gateway';
import type { Fetcher } from '@apollo/utils.fetcher';
import { GatewayProofHeader, signGatewayRequest } from '@shop/platform/auth';
import { GraphQLError } from 'graphql';
import type { GatewayContext } from './context';
import { currentSubgraphCall } from './fetcher/subgraph-call';

type DataSource = RemoteGraphQLDataSource<GatewayContext>;
type ProcessOptions = Parameters<DataSource['process']>[0];

export interface SubgraphDataSourceOptions {
  name: string;
  url: string;
  /** The secret this subgraph checks the gateway's proof with (`SUBGRAPH_<NAME>_SECRET`); unsigned without one. */
  secret: string | undefined;
  /** What sends the signed request (the pooled, guarded fetcher); @apollo/gateway's own without one. */
  fetcher?: Fetcher;
}

/**
 * How the gateway calls one subgraph. Every request carries the client's request id, so one id
 * ties the log lines of every service that worked on it, and the gateway's proof: the verified
 * caller and client address, signed with the subgraph's secret over the exact bytes sent.
 */
export class SubgraphDataSource extends RemoteGraphQLDataSource<GatewayContext> {
  readonly name: string;

  constructor(options: SubgraphDataSourceOptions) {
    super({ url: options.url, ...(options.fetcher ? { fetcher: options.fetcher } : {}) });
    this.name = options.name;
    const { secret } = options;
    const send = this.fetcher;
    this.fetcher = (url, init = {}) => {
      const headers = withoutProofHeaders(init.headers ?? {});
      if (secret === undefined) return send(url, { ...init, headers });
      const { pathname, search } = new URL(url);
      // The caller lives in the request's context, the body only exists here: the call carries one to the other.
      const { caller, clientAddress } = currentSubgraphCall();
      const proof = signGatewayRequest(secret, {
        method: init.method ?? 'POST',
        path: `${pathname}${search}`,
        body: init.body ?? '',
        caller,
        clientAddress,
      });
      return send(url, { ...init, headers: { ...headers, ...proof } });
    };
  }

  override willSendRequest({ request, context }: ProcessOptions) {
    if (context.requestId) request.http?.headers.set('x-request-id', context.requestId);
  }

  /**
   * A subgraph that refuses the proof (401, 403) means the gateway and the subgraph disagree on
   * the secret: an internal fault, not the client's, so it must not reach the client as
   * UNAUTHENTICATED or FORBIDDEN.
   */
  override async errorFromResponse(response: Parameters<DataSource['errorFromResponse']>[0]) {
    if (response.status !== 401 && response.status !== 403) return super.errorFromResponse(response);
    return new GraphQLError(
      `subgraph ${this.name} refused the gateway's proof (${response.status}): check SUBGRAPH_*_SECRET at the gateway and GATEWAY_SECRET at the subgraph`,
      { extensions: { code: 'INTERNAL_SERVER_ERROR' } },
    );
  }
}

const PROOF_HEADERS = new Set<string>(Object.values(GatewayProofHeader));

/** Only the proof computed here may go out, whatever else put headers on the request. */
function withoutProofHeaders(headers: Record<string, string>): Record<string, string> {
  return Object.fromEntries(
    Object.entries(headers).filter(([name]) => !PROOF_HEADERS.has(name.toLowerCase())),
  );
}
