import { RemoteGraphQLDataSource } from '@apollo/gateway';
import { signGatewayRequest } from '@shop/platform/auth';

/**
 * A stock @apollo/gateway data source that signs each request with the subgraph's secret (the
 * gateway proof this system's subgraphs demand of any caller), exactly as our gateway signs,
 * over @apollo/gateway's own fetcher. Without a secret it is the stock data source.
 */
export class SigningDataSource extends RemoteGraphQLDataSource {
  constructor(url: string, secret: string | undefined) {
    super({ url });
    const send = this.fetcher;
    if (secret === undefined) return;
    this.fetcher = (target, init = {}) => {
      const { pathname, search } = new URL(target);
      const proof = signGatewayRequest(secret, {
        method: init.method ?? 'POST',
        path: `${pathname}${search}`,
        body: init.body ?? '',
        caller: null,
      });
      return send(target, { ...init, headers: { ...init.headers, ...proof } });
    };
  }
}
