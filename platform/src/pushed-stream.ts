/**
 * An async iterator fed by callbacks (a notification, a subgraph's event), with a bounded
 * buffer: a consumer that does not keep up never grows memory without bound, the stream ends
 * with `overflow()`'s error instead. `onClose` runs exactly once, however it ends (the consumer
 * stops, `end`, `fail`, overflow), so listeners and sockets are always let go.
 */
export interface PushedStream<T> extends AsyncIterableIterator<T> {
  /** Queues a value; past `limit` waiting values the stream fails with `overflow()`. */
  push(value: T): void;
  /** Ends the stream with an error, after the values already queued. */
  fail(error: Error): void;
  /** Ends the stream once the values already queued are read. */
  end(): void;
  readonly closed: boolean;
}

export interface PushedStreamOptions {
  limit: number;
  overflow: () => Error;
  onClose?: () => void;
}

export function pushedStream<T>(options: PushedStreamOptions): PushedStream<T> {
  const queue: T[] = [];
  let waiting: ((result: IteratorResult<T>) => void) | null = null;
  let waitingFailed: ((error: Error) => void) | null = null;
  let ending: { error: Error | null } | null = null;
  let closed = false;

  const close = () => {
    if (closed) return;
    closed = true;
    queue.length = 0;
    options.onClose?.();
  };
  const finish = (error: Error | null) => {
    if (closed || ending) return;
    ending = { error };
    if (waiting && queue.length === 0) settleEnd();
  };
  // The stream is over for its consumer: the waiting read gets the end (or the error).
  const settleEnd = () => {
    const resolve = waiting;
    const reject = waitingFailed;
    waiting = null;
    waitingFailed = null;
    const error = ending?.error ?? null;
    close();
    if (error && reject) reject(error);
    else resolve?.({ value: undefined, done: true });
  };

  const stream: PushedStream<T> = {
    get closed() {
      return closed || ending !== null;
    },
    push(value) {
      if (closed || ending) return;
      if (waiting) {
        const resolve = waiting;
        waiting = null;
        waitingFailed = null;
        resolve({ value, done: false });
        return;
      }
      if (queue.length >= options.limit) {
        finish(options.overflow());
        return;
      }
      queue.push(value);
    },
    fail(error) {
      finish(error);
    },
    end() {
      finish(null);
    },
    next() {
      if (queue.length > 0) return Promise.resolve({ value: queue.shift() as T, done: false });
      if (closed) return Promise.resolve({ value: undefined, done: true });
      if (ending) {
        const error = ending.error;
        close();
        return error ? Promise.reject(error) : Promise.resolve({ value: undefined, done: true });
      }
      return new Promise<IteratorResult<T>>((resolve, reject) => {
        waiting = resolve;
        waitingFailed = reject;
      });
    },
    return() {
      const resolve = waiting;
      waiting = null;
      waitingFailed = null;
      close();
      resolve?.({ value: undefined, done: true });
      return Promise.resolve({ value: undefined, done: true });
    },
    throw(error?: unknown) {
      stream.return?.();
      return Promise.reject(error instanceof Error ? error : new Error(String(error)));
    },
    [Symbol.asyncIterator]() {
      return stream;
    },
  };
  return stream;
}

/**
 * `source` with each value mapped, in order. Unlike an async generator, `return()` reaches the
 * source at once, even while a read is waiting for its next value (so ending a subscription
 * lets go of its listener now, not at its next event).
 */
export function mapStream<T, U>(
  source: AsyncIterator<T>,
  map: (value: T) => U | Promise<U>,
): AsyncIterableIterator<U> {
  const mapped: AsyncIterableIterator<U> = {
    async next() {
      const read = await source.next();
      if (read.done) return { value: undefined, done: true };
      return { value: await map(read.value), done: false };
    },
    async return() {
      await source.return?.();
      return { value: undefined, done: true };
    },
    async throw(error?: unknown) {
      await source.return?.();
      throw error;
    },
    [Symbol.asyncIterator]() {
      return mapped;
    },
  };
  return mapped;
}
