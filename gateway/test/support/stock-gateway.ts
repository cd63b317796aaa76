import { ApolloGateway, type GraphQLDataSourceProcessOptions } from '@apollo/gateway';
import { ApolloServer } from '@apollo/server';
import { startStandaloneServer } from '@apollo/server/standalone';
import { createErrorFormatter } from '@shop/platform/errors';
import { createLogger } from '@shop/platform/logger';
import { SigningDataSource } from '@shop/scripts/lib/signing-data-source';
import { stockSupergraph } from '@shop/scripts/lib/stock-supergraph';
import { unavailableAnswer } from '../../src/resilience/partial-results';

export interface StockGateway {
  url: string;
  stop(): Promise<void>;
}

/**
 * The reference the gateway's executor is held to: a stock `@apollo/gateway` executor on Apollo
 * Server's standalone server, over the same supergraph (without the `@authenticated`/
 * `@requiresScopes` links it refuses) and the same subgraph URLs. What is the house's policy
 * rather than the executor's applies on both sides: the shop's error masking, a failed subgraph
 * request answered as partial results (its fields null, one error at each), and the gateway proof
 * on each subgraph request when `secrets` (subgraph name -> secret) are given. `urls` (subgraph
 * name -> URL) replace the supergraph's.
 */
export async function startStockGateway(
  supergraphSdl: string,
  secrets: ReadonlyMap<string, string> = new Map(),
  urls: ReadonlyMap<string, string> = new Map(),
): Promise<StockGateway> {
  const logger = createLogger('stock-gateway', 'silent');
  const server = new ApolloServer({
    gateway: new ApolloGateway({
      supergraphSdl: stockSupergraph(supergraphSdl, urls),
      buildService: ({ name, url }) => new PartialResultsDataSource(name, url ?? '', secrets.get(name)),
    }),
    includeStacktraceInErrorResponses: false,
    formatError: createErrorFormatter(logger, 'public-code'),
    logger,
  });
  const { url } = await startStandaloneServer(server, { listen: { host: '127.0.0.1', port: 0 } });
  return { url, stop: () => server.stop() };
}

/** The stock data source with the house's partial results: a request that got no answer is answered as ours answers it. */
class PartialResultsDataSource extends SigningDataSource {
  constructor(
    private readonly subgraph: string,
    url: string,
    secret: string | undefined,
  ) {
    super(url, secret);
  }

  override async process(options: GraphQLDataSourceProcessOptions) {
    try {
      return await super.process(options);
    } catch (error) {
      const { query = '', variables = {} } = options.request;
      const { data, errors = [] } = unavailableAnswer(this.subgraph, { query, variables }, error);
      return { data, errors: [...errors] };
    }
  }
}
