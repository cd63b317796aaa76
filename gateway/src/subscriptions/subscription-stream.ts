import { type ShopError, unauthenticated } from '@shop/platform/errors';

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
  let ended = false;
  let expired = false;
  let timer: NodeJS.Timeout | undefined;
  const end = () => {
    if (ended) return;
    ended = true;
    clearTimeout(timer);
    options.release();
  };
  const expireAt = (at: number) => {
    timer = setTimeout(
      () => {
        if (Date.now() < at) return expireAt(at);
        expired = true;
        void events.return?.();
      },
      Math.min(LONGEST_TIMER_MS, Math.max(0, at - Date.now())),
    );
  };
  if (options.expiresAt !== null) expireAt(options.expiresAt);
  const stop = async () => {
    end();
    await events.return?.();
  };
  const stream: AsyncIterableIterator<T> = {
    async next() {
      try {
        const result = await events.next();
        if (expired) throw tokenExpired();
        if (result.done) end();
        return result;
      } catch (error) {
        end();
        throw error;
      }
    },
    async return() {
      await stop();
      return { value: undefined, done: true };
    },
    // With return and throw it is an async generator to graphql-sse, which only stops those.
    async throw(error?: unknown) {
      await stop();
      throw error;
    },
    [Symbol.asyncIterator]() {
      return stream;
    },
  };
  return stream;
}
