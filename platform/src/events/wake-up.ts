/**
 * The pause of a polling loop that a notification (LISTEN/NOTIFY, a stop request) cuts short.
 * A notification that arrives while the loop is busy is remembered until the next round
 * begins, so the loop goes round again instead of sleeping through it.
 */
export class WakeUp {
  private notified: boolean;
  private wake: () => void = () => {};

  constructor(options: { notified?: boolean } = {}) {
    this.notified = options.notified ?? false;
  }

  readonly notify = (): void => {
    this.notified = true;
    this.wake();
  };

  /** A round starts: what it is about to look at covers the notifications so far. */
  beginRound(): void {
    this.notified = false;
  }

  /** Whether a notification came since the round began. */
  get wasNotified(): boolean {
    return this.notified;
  }

  /** Waits `ms`, or until the next notification. */
  pause(ms: number): Promise<void> {
    return new Promise<void>((resolve) => {
      const timer = setTimeout(resolve, ms);
      this.wake = () => {
        clearTimeout(timer);
        resolve();
      };
    });
  }
}

/** A background loop: `stop()` ends it after the round in progress, cutting a pause short. */
export interface BackgroundLoop {
  stop(): Promise<void>;
}

/**
 * Runs `round` again and again until stopped (the relay, the consumers, housekeeping). A round
 * pauses on `wakeUp`, which `stop()` notifies; `stopping()` lets a long round end early.
 */
export function runUntilStopped(
  wakeUp: WakeUp,
  round: (stopping: () => boolean) => Promise<void>,
): BackgroundLoop {
  let stopping = false;
  const isStopping = () => stopping;
  const running = (async () => {
    while (!stopping) await round(isStopping);
  })();
  return {
    async stop() {
      stopping = true;
      wakeUp.notify();
      await running;
    },
  };
}
