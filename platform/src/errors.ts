import { unwrapResolverError } from '@apollo/server/errors';
import { GraphQLError, type GraphQLFormattedError } from 'graphql';
import type { Logger } from './logger';

/** The error codes a client can branch on (README.md, "A tour of the API"). Anything else reaches a client as INTERNAL_SERVER_ERROR. */
export const ErrorCode = {
  UNAUTHENTICATED: 'UNAUTHENTICATED',
  FORBIDDEN: 'FORBIDDEN',
  BAD_USER_INPUT: 'BAD_USER_INPUT',
  NOT_FOUND: 'NOT_FOUND',
  CONFLICT: 'CONFLICT',
  RATE_LIMITED: 'RATE_LIMITED',
  /** A subscription the server ended (too slow a reader, a restart, a limit): subscribe again. */
  SUBSCRIPTION_ENDED: 'SUBSCRIPTION_ENDED',
  INTERNAL_SERVER_ERROR: 'INTERNAL_SERVER_ERROR',
} as const;
export type ErrorCode = (typeof ErrorCode)[keyof typeof ErrorCode];

/** Codes GraphQL servers themselves produce for a bad request; safe to show as they are. */
const REQUEST_ERROR_CODES = new Set([
  'GRAPHQL_PARSE_FAILED',
  'GRAPHQL_VALIDATION_FAILED',
  'BAD_REQUEST',
  'OPERATION_RESOLUTION_FAILURE',
  'PERSISTED_QUERY_NOT_FOUND',
  'PERSISTED_QUERY_NOT_SUPPORTED',
  'PERSISTED_QUERY_NOT_IN_LIST',
]);

const BUSINESS_ERROR_CODES: ReadonlySet<string> = new Set(Object.values(ErrorCode));

export const PUBLIC_ERROR_CODES: ReadonlySet<string> = new Set([
  ...Object.values(ErrorCode),
  ...REQUEST_ERROR_CODES,
]);

/** An error we throw on purpose: its message is written for the client. */
export class ShopError extends GraphQLError {
  constructor(code: ErrorCode, message: string, extensions: Record<string, unknown> = {}) {
    super(message, { extensions: { ...extensions, code } });
  }
}

/** Invalid input. `field` names the argument or input field that is wrong (`first`, `input.price.amount`). */
export function badUserInput(field: string, message: string): ShopError {
  return new ShopError(ErrorCode.BAD_USER_INPUT, message, { field });
}

export function unauthenticated(message = 'You must be logged in.'): ShopError {
  return new ShopError(ErrorCode.UNAUTHENTICATED, message);
}

export function forbidden(message = 'You are not allowed to do this.'): ShopError {
  return new ShopError(ErrorCode.FORBIDDEN, message);
}

export function notFound(what: string): ShopError {
  return new ShopError(ErrorCode.NOT_FOUND, `${what} was not found.`);
}

export function conflict(message: string, extensions: Record<string, unknown> = {}): ShopError {
  return new ShopError(ErrorCode.CONFLICT, message, extensions);
}

export const INTERNAL_ERROR_MESSAGE = 'Internal server error';

/** Extensions a client may see; anything else (service names, stack traces, exception details) is dropped. */
const PUBLIC_EXTENSIONS = new Set(['code', 'field', 'retryAfterSeconds']);

type ErrorTrust = 'thrown-here' | 'public-code';

/**
 * Apollo `formatError`: an error passes when it was meant for the client, with only its public
 * extensions; anything else (a database error carrying SQL, a bug, a refused connection) is
 * logged in full and the client gets a bare INTERNAL_SERVER_ERROR.
 *
 * A subgraph trusts only errors thrown on purpose in its own code (`thrown-here`). The gateway
 * trusts public codes (`public-code`): subgraph errors arrive as JSON, already masked there.
 * `ownCodes` are the service's own request codes (the gateway's planning budget), public too.
 */
export function createErrorFormatter(
  logger: Logger,
  trust: ErrorTrust,
  ownCodes: ReadonlySet<string> = new Set(),
) {
  return (formatted: GraphQLFormattedError, error: unknown): GraphQLFormattedError => {
    const original = unwrapResolverError(error);
    const code = formatted.extensions?.code;
    // A request error a subgraph reports (a parse or validation failure) is the gateway's bug, not
    // the client's, and its message speaks of the subgraph's schema: only business codes pass.
    const fromSubgraph = formatted.extensions?.serviceName !== undefined;
    const allowed: ReadonlySet<string> = fromSubgraph ? BUSINESS_ERROR_CODES : PUBLIC_ERROR_CODES;
    const publicCode =
      typeof code === 'string' &&
      code !== ErrorCode.INTERNAL_SERVER_ERROR &&
      (allowed.has(code) || (!fromSubgraph && ownCodes.has(code)));
    const intended = publicCode && (trust === 'public-code' || original instanceof GraphQLError);
    if (!intended)
      logger.error({ err: original, path: formatted.path }, 'unexpected error while serving a request');
    const extensions = intended
      ? Object.fromEntries(
          Object.entries(formatted.extensions ?? {}).filter(([key]) => PUBLIC_EXTENSIONS.has(key)),
        )
      : { code: ErrorCode.INTERNAL_SERVER_ERROR };
    return {
      message: intended ? formatted.message : INTERNAL_ERROR_MESSAGE,
      ...(formatted.locations ? { locations: formatted.locations } : {}),
      ...(formatted.path ? { path: formatted.path } : {}),
      extensions,
    };
  };
}
