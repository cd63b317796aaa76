import { createHash } from 'node:crypto';
import type { ApolloServerPlugin } from '@apollo/server';
import type { Logger } from '@shop/platform/logger';
import { GraphQLError } from 'graphql';
import type { GatewayContext } from '../context';
import type { PersistedOperations } from './manifest';

export const NOT_IN_LIST = 'PERSISTED_QUERY_NOT_IN_LIST';

/** Verdicts remembered by text hash and operation name, so a known operation is parsed once. */
const MAX_VERDICTS = 5_000;
/** Each unknown operation is logged once; at most this many a minute, then one line that counts the rest. */
const MAX_LOGGED_PER_MINUTE = 60;
const LOGGED_BODY_CHARS = 2_000;
/** What a refused operation is swapped for: nothing of the refused text is parsed, validated or planned. */
const REFUSED_PLACEHOLDER = '{ __typename }';

const sha256 = (text: string) => createHash('sha256').update(text).digest('hex');

/** Whether an operation's text is one of the manifest's; an unknown one is logged (once, rate limited). */
export type PersistedOperationCheck = (text: string, operationName: string | undefined) => boolean;

/** Judges texts against the manifest: verdicts remembered by text hash and operation name, so a known operation is parsed once. */
export function persistedOperationCheck(
  mode: 'log' | 'safelist',
  operations: PersistedOperations,
  logger: Logger,
): PersistedOperationCheck {
  const verdicts = new Map<string, boolean>();
  const logUnknown = rateLimitedLog(logger);
  return (text, operationName) => {
    const hash = sha256(text);
    const key = `${hash}:${operationName ?? ''}`;
    let known = verdicts.get(key);
    if (known === undefined) {
      known = operations.includes(text, hash, operationName);
      if (verdicts.size >= MAX_VERDICTS) verdicts.clear();
      verdicts.set(key, known);
    }
    if (!known)
      logUnknown(key, {
        mode,
        operationName: operationName ?? null,
        operationHash: hash,
        body: text.slice(0, LOGGED_BODY_CHARS),
      });
    return known;
  };
}

/** The error an operation outside the safelist gets. */
export function notInList(): GraphQLError {
  return new GraphQLError('This operation is not one of the persisted operations this API accepts.', {
    extensions: { code: NOT_IN_LIST, http: { status: 400 } },
  });
}

/**
 * `log`: an operation that is not in the manifest runs, and is logged (to learn what clients
 * send before turning the safelist on). `safelist`: it is refused with
 * `PERSISTED_QUERY_NOT_IN_LIST`. An operation sent by id is not judged here: the manifest is
 * the only place Apollo Server's persisted query cache finds one in safelist mode.
 */
export function safelistPlugin(
  mode: 'log' | 'safelist',
  isKnown: PersistedOperationCheck,
): ApolloServerPlugin<GatewayContext> {
  return {
    async requestDidStart({ request }) {
      if (request.query === undefined || isKnown(request.query, request.operationName) || mode === 'log')
        return;
      // Apollo Server turns an error thrown before the operation is resolved into a 500, so the
      // refused text is swapped for a trivial one, which is then refused with the right code.
      request.query = REFUSED_PLACEHOLDER;
      request.operationName = undefined;
      if (request.extensions) delete request.extensions.persistedQuery;
      return {
        async didResolveOperation() {
          throw notInList();
        },
      };
    },
  };
}

function rateLimitedLog(logger: Logger) {
  const logged = new Set<string>();
  let windowStart = Date.now();
  let inWindow = 0;
  let suppressed = 0;
  return (key: string, fields: Record<string, unknown>) => {
    if (logged.has(key)) return;
    const now = Date.now();
    if (now - windowStart >= 60_000) {
      if (suppressed > 0)
        logger.warn({ count: suppressed }, 'more operations not in the manifest, not logged one by one');
      windowStart = now;
      inWindow = 0;
      suppressed = 0;
    }
    if (inWindow >= MAX_LOGGED_PER_MINUTE) {
      suppressed += 1;
      return;
    }
    inWindow += 1;
    if (logged.size >= MAX_VERDICTS) logged.clear();
    logged.add(key);
    logger.warn(fields, 'operation not in the persisted operation manifest');
  };
}
