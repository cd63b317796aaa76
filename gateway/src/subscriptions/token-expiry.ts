import { type ShopError, unauthenticated } from '@shop/platform/errors';

// setTimeout fires at once past this (about 24.8 days); a longer wait is made of several.
const LONGEST_TIMER_MS = 2 ** 31 - 1;

export function tokenExpired(): ShopError {
  return unauthenticated('The access token has expired. Subscribe again with a new one.');
}

/**
 * A subscription's events for as long as its caller's token is valid: at `expiresAt` the events
 * upstream are let go (their socket closed) and the stream fails UNAUTHENTICATED, which graphql-ws
 * sends the client as the subscription's `error`.
 */
export function untilTokenExpires<T>(
  events: AsyncIterableIterator<T>,
  expiresAt: number,
): AsyncIterableIterator<T> {
  let expire: (error: ShopError) => void = () => {};
  const expired = new Promise<never>((_resolve, reject) => {
    expire = reject;
  });
  expired.catch(() => {}); // read by next(); nobody may be reading when it fires
  let timer: NodeJS.Timeout;
  const wait = () => {
    timer = setTimeout(
      () => {
        if (Date.now() < expiresAt) return wait();
        expire(tokenExpired());
        void events.return?.();
      },
      Math.min(LONGEST_TIMER_MS, Math.max(0, expiresAt - Date.now())),
    );
  };
  wait();
  const stop = () => clearTimeout(timer);
  return {
    async next() {
      try {
        const result = await Promise.race([events.next(), expired]);
        if (result.done) stop();
        return result;
      } catch (error) {
        stop();
        throw error;
      }
    },
    async return() {
      stop();
      return (await events.return?.()) ?? { value: undefined, done: true };
    },
    async throw(error: unknown) {
      stop();
      await events.return?.();
      throw error;
    },
    [Symbol.asyncIterator]() {
      return this;
    },
  };
}
