import type { Server } from 'node:http';
import { setTimeout as sleep } from 'node:timers/promises';
import { composeServices } from '@apollo/composition';
import { ApolloServer } from '@apollo/server';
import { ApolloServerPluginInlineTraceDisabled } from '@apollo/server/plugin/disabled';
import { buildSubgraphSchema } from '@apollo/subgraph';
import { createGraphQLHandler, createHttpServer, listen } from '@shop/platform/http';
import { createLogger } from '@shop/platform/logger';
import { createMetrics } from '@shop/platform/metrics';
import { buildASTSchema, parse, printSchema } from 'graphql';
import { pino } from 'pino';

/**
 * A small graph that is not the shop, for the gateway's own tests: `library` lends books,
 * `loans` says which are on loan. Real Apollo subgraphs over HTTP on free loopback ports.
 */
const BOOKS = [
  { isbn: '978-0', title: 'Dune' },
  { isbn: '978-1', title: 'Emma' },
];

const LIBRARY_SDL = `
  extend schema @link(url: "https://specs.apollo.dev/federation/v2.3", import: ["@key"])
  type Query {
    books(delayMs: Int): [Book!]!
    book(isbn: ID!): Book
  }
  type Mutation { renameBook(isbn: ID!, title: String!): Book }
  type Book @key(fields: "isbn") { isbn: ID! title: String! }
`;
const LOANS_SDL = `
  extend schema @link(url: "https://specs.apollo.dev/federation/v2.3", import: ["@key"])
  type Book @key(fields: "isbn") { isbn: ID! onLoan: Boolean! }
`;
/** The same loans subgraph, as its next version declares it: whether a book is on loan is for members. */
const LOANS_FOR_MEMBERS_SDL = `
  extend schema @link(url: "https://specs.apollo.dev/federation/v2.5", import: ["@key", "@authenticated"])
  type Book @key(fields: "isbn") { isbn: ID! onLoan: Boolean! @authenticated }
`;

const library = {
  typeDefs: parse(LIBRARY_SDL),
  resolvers: {
    Query: {
      books: async (_: unknown, { delayMs }: { delayMs?: number | null }) => {
        if (delayMs) await sleep(delayMs);
        return BOOKS;
      },
      book: (_: unknown, { isbn }: { isbn: string }) => BOOKS.find((book) => book.isbn === isbn) ?? null,
    },
    Mutation: {
      renameBook: (_: unknown, { isbn, title }: { isbn: string; title: string }) =>
        BOOKS.some((book) => book.isbn === isbn) ? { isbn, title } : null,
    },
    Book: { __resolveReference: (book: { isbn: string }) => BOOKS.find((found) => found.isbn === book.isbn) },
  },
};
const loans = {
  typeDefs: parse(LOANS_SDL),
  resolvers: { Book: { onLoan: (book: { isbn: string }) => book.isbn === '978-1' } },
};
const SUBGRAPHS = [
  { name: 'library', typeDefs: library.typeDefs, schema: () => buildSubgraphSchema(library) },
  { name: 'loans', typeDefs: loans.typeDefs, schema: () => buildSubgraphSchema(loans) },
];
type SubgraphName = 'library' | 'loans';

export interface LibraryGraph {
  /** The supergraph of library alone. */
  libraryOnly: string;
  /** The supergraph of library and loans (adds `Book.onLoan`). */
  withLoans: string;
  /** Like `withLoans`, with `Book.onLoan` for logged-in callers only (`@authenticated`). */
  withLoansForMembers: string;
  /** The API schema of `withLoans`, what the operations are checked against. */
  apiSdl: string;
  /** Requests each subgraph has received. */
  requests: Map<string, number>;
  close(): Promise<void>;
}

export async function startLibraryGraph(): Promise<LibraryGraph> {
  const servers: Server[] = [];
  const requests = new Map<string, number>();
  const urls = new Map<string, string>();
  for (const definition of SUBGRAPHS) {
    const apollo = new ApolloServer({
      schema: definition.schema(),
      plugins: [ApolloServerPluginInlineTraceDisabled()],
    });
    await apollo.start();
    const handler = createGraphQLHandler(apollo, { context: async () => ({}), bodyLimitBytes: 1_000_000 });
    const server = createHttpServer({
      logger: createLogger(definition.name, 'silent'),
      metrics: createMetrics(definition.name),
      routes: {
        'POST /graphql': (req, res) => {
          requests.set(definition.name, (requests.get(definition.name) ?? 0) + 1);
          return handler(req, res);
        },
      },
    });
    servers.push(server);
    urls.set(definition.name, `http://127.0.0.1:${await listen(server, '127.0.0.1', 0)}/graphql`);
  }
  const compose = (names: SubgraphName[], loansTypeDefs = loans.typeDefs) => {
    const composition = composeServices(
      SUBGRAPHS.filter(({ name }) => names.includes(name as SubgraphName)).map(({ name, typeDefs }) => ({
        name,
        typeDefs: name === 'loans' ? loansTypeDefs : typeDefs,
        url: urls.get(name) ?? '',
      })),
    );
    if (!composition.supergraphSdl) throw new Error(String(composition.errors));
    return composition;
  };
  const withLoans = compose(['library', 'loans']);
  return {
    libraryOnly: compose(['library']).supergraphSdl ?? '',
    withLoans: withLoans.supergraphSdl ?? '',
    withLoansForMembers: compose(['library', 'loans'], parse(LOANS_FOR_MEMBERS_SDL)).supergraphSdl ?? '',
    apiSdl: printSchema(buildASTSchema(withLoans.schema.toAPISchema().toAST())),
    requests,
    async close() {
      for (const server of servers) {
        server.closeAllConnections();
        server.close();
      }
    },
  };
}

export interface LogLine {
  level: string;
  msg: string;
  [field: string]: unknown;
}

/** A gateway logger whose lines the test can read. */
export function capturingLogger() {
  const lines: LogLine[] = [];
  const logger = pino(
    { level: 'info', base: { service: 'gateway' }, formatters: { level: (label) => ({ level: label }) } },
    { write: (line: string) => void lines.push(JSON.parse(line) as LogLine) },
  );
  return { logger, lines };
}

export interface GraphQLBody {
  data?: Record<string, unknown> | null;
  errors?: { message: string; extensions?: { code?: string } }[];
}

/** POSTs a GraphQL request the way a client does. */
export async function post(
  url: string,
  body: Record<string, unknown>,
): Promise<{ status: number; body: GraphQLBody }> {
  const response = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  return { status: response.status, body: (await response.json()) as GraphQLBody };
}
