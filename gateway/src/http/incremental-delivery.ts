import type { ApolloServerPlugin } from '@apollo/server';
import { GraphQLError, type GraphQLFormattedError } from 'graphql';
import Negotiator from 'negotiator';
import type { GatewayContext } from '../context';
import type { SubsequentResult } from '../execution/deferred-parts';

// The media types Apollo Server's HTTP layer chooses among for an answer in parts, in its order.
const JSON_TYPES = ['application/json', 'application/graphql-response+json'];
const MULTIPART_TYPES = [
  'multipart/mixed',
  'multipart/mixed; incrementalSpec=v0.2',
  'multipart/mixed; deferSpec=20220824',
];
const DEFER_SPEC_20220824 = 'multipart/mixed; deferSpec=20220824';

/**
 * Whether the client takes an answer in parts in the format Apollo Client speaks
 * (`multipart/mixed; deferSpec=20220824`), chosen as Apollo Server's HTTP layer will choose when
 * it writes the parts: any other client gets one whole answer.
 */
export function acceptsIncrementalDelivery(accept: string | undefined): boolean {
  if (!accept) return false;
  const negotiator = new Negotiator({ headers: { accept } });
  return negotiator.mediaType(MULTIPART_TYPES) === DEFER_SPEC_20220824 && !prefersJson(negotiator);
}

// A client that ranks JSON above the parts asked for a whole answer.
function prefersJson(negotiator: Negotiator): boolean {
  return JSON_TYPES.includes(negotiator.mediaType([...JSON_TYPES, DEFER_SPEC_20220824]) ?? '');
}

// The results still to come of an answer delivered in parts, by its request's context.
const laterResults = new WeakMap<object, AsyncIterableIterator<SubsequentResult>>();

/** Keeps the rest of a request's answer for the plugin below, which sends it after the first part. */
export function deliverLater(context: object, results: AsyncIterableIterator<SubsequentResult>): void {
  laterResults.set(context, results);
}

type FormatError = (formatted: GraphQLFormattedError, error: unknown) => GraphQLFormattedError;

/**
 * Turns an answer whose rest was kept by `deliverLater` into Apollo Server's incremental body:
 * the first part (already formatted by Apollo) with `hasNext`, then each part with its errors
 * formatted as Apollo formats the first's. Never cached, by the gateway or anyone after it.
 */
export function incrementalDeliveryPlugin(formatError: FormatError): ApolloServerPlugin<GatewayContext> {
  return {
    async requestDidStart() {
      return {
        async willSendResponse({ contextValue, response }) {
          const results = laterResults.get(contextValue);
          if (!results) return;
          laterResults.delete(contextValue);
          if (response.body.kind !== 'single') return;
          response.http.headers.set('cache-control', 'no-store');
          response.body = {
            kind: 'incremental',
            initialResult: { ...response.body.singleResult, hasNext: true },
            subsequentResults: formatted(results, formatError),
          };
        },
      };
    },
  };
}

async function* formatted(results: AsyncIterableIterator<SubsequentResult>, formatError: FormatError) {
  for await (const result of results)
    yield {
      hasNext: result.hasNext,
      ...(result.incremental
        ? {
            incremental: result.incremental.map(({ errors, ...item }) =>
              errors ? { ...item, errors: errors.map((error) => formatOne(error, formatError)) } : item,
            ),
          }
        : {}),
    };
}

function formatOne(error: GraphQLError | Error, formatError: FormatError): GraphQLFormattedError {
  const graphQLError =
    error instanceof GraphQLError ? error : new GraphQLError(error.message, { originalError: error });
  const json = graphQLError.toJSON();
  // As Apollo Server does for the first part: an error without a code is an internal one.
  const extensions = { ...json.extensions, code: json.extensions?.code ?? 'INTERNAL_SERVER_ERROR' };
  return formatError({ ...json, extensions }, error);
}
