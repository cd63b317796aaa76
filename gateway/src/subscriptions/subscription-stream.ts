import { type ShopError, unauthenticated } from '@shop/platform/errors';
import { interruptibleStream } from './interruptible-stream';

// setTimeout fires at once past this (about 24.8 days); a longer wait is made of several.
const LONGEST_TIMER_MS = 2 ** 31 - 1;

export function tokenExpired(): ShopError {
  return unauthenticated('The access token has expired. Subscribe again with a new one.');
}

/**
 * A subscription's events as its client gets them: `release` runs once however they end (done,
 * failed, stopped by the client); at `expiresAt` (never when null) the events upstream are let go
 * and the stream fails UNAUTHENTICATED, which both transports send as the subscription's error.
 * The events must end a waiting read when returned (mapStream and pushedStream do).
 */
export function subscriptionStream<T>(
  events: AsyncIterableIterator<T>,
  options: { release: () => void; expiresAt: number | null },
): AsyncIterableIterator<T> {
  let timer: NodeJS.Timeout | undefined;
  const stream = interruptibleStream(events, () => {
    clearTimeout(timer);
    options.release();
  });
  const expireAt = (at: number) => {
    timer = setTimeout(
      () => {
        if (Date.now() < at) return expireAt(at);
        stream.interrupt(tokenExpired());
      },
      Math.min(LONGEST_TIMER_MS, Math.max(0, at - Date.now())),
    );
  };
  if (options.expiresAt !== null) expireAt(options.expiresAt);
  return stream;
}
