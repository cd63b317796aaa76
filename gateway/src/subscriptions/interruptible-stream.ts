/** A subscription's events that something outside the stream (a timer, a reload) may end with an error. */
export interface InterruptibleStream<T> extends AsyncIterableIterator<T> {
  /** Lets go of the events upstream at once; the reader's next read fails with `error`. */
  interrupt(error: Error): void;
}

/**
 * `events` as their reader gets them, until `interrupt(error)`; `onEnd` runs once however they
 * end (done, failed, interrupted, stopped by the reader). The events must end a waiting read when
 * returned (mapStream and pushedStream do), so an interruption reaches a reader waiting for one.
 */
export function interruptibleStream<T>(
  events: AsyncIterableIterator<T>,
  onEnd: () => void = () => {},
): InterruptibleStream<T> {
  let ended = false;
  let interruption: Error | null = null;
  const end = () => {
    if (ended) return;
    ended = true;
    onEnd();
  };
  const stop = async () => {
    end();
    await events.return?.();
  };
  const stream: InterruptibleStream<T> = {
    async next() {
      try {
        if (interruption) throw interruption;
        const result = await events.next();
        if (interruption) throw interruption;
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
    interrupt(error) {
      if (ended || interruption) return;
      interruption = error;
      void events.return?.();
    },
    [Symbol.asyncIterator]() {
      return stream;
    },
  };
  return stream;
}
