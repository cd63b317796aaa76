import type { OutputSink, ServiceProcess } from './processes';

/**
 * The launcher as a process manager: a service that exits without being asked is started again
 * on its old port, after a delay that doubles with each exit in the window, and given up (loudly:
 * a fatal log line, `failed` in the launcher's /health) after `giveUpAfter` exits within it.
 */
export interface RestartPolicy {
  /** Delay before the first restart; each further exit within the window doubles it. */
  firstDelayMs: number;
  maxDelayMs: number;
  /** This many exits within `windowMs` and the service is left down. */
  giveUpAfter: number;
  windowMs: number;
}

export const DEFAULT_RESTART_POLICY: RestartPolicy = {
  firstDelayMs: 250,
  maxDelayMs: 8_000,
  giveUpAfter: 5,
  windowMs: 60_000,
};

/** `running`; `restarting` (exited, waiting or starting again); `failed` (given up); `stopped` (asked to). */
export type SupervisedState = 'running' | 'restarting' | 'failed' | 'stopped';

/** What the launcher's /health says of one service. */
export interface ServiceStatus {
  name: string;
  state: SupervisedState;
  port: number;
  pid: number | null;
  /** Times it was started again after exiting. */
  restarts: number;
  lastExit: { code: number | string; at: string } | null;
}

export interface SupervisedService {
  readonly name: string;
  /** The process now (a new one after each restart). */
  readonly current: ServiceProcess;
  status(): ServiceStatus;
  /** From now on an exit is expected (shutting down): no restart follows. */
  stopRestarting(): void;
  /** Stops it for good: no restart follows. */
  stop(): Promise<void>;
}

/**
 * Watches `first` and restarts it with `start(port)` whenever it exits, until `stop()`.
 * `onRestarted` hears of each new process (the stack keeps its map of processes current).
 */
export function supervise(
  first: ServiceProcess,
  options: {
    start: (port: number) => Promise<ServiceProcess>;
    policy: RestartPolicy;
    output: OutputSink;
    onRestarted?: (restarted: ServiceProcess) => void;
  },
): SupervisedService {
  const { policy, output } = options;
  const name = first.name;
  const log = (level: 'info' | 'warn' | 'error' | 'fatal', msg: string) =>
    output(name, JSON.stringify({ level, msg }));
  let current = first;
  let state: SupervisedState = 'running';
  let restarts = 0;
  let lastExit: ServiceStatus['lastExit'] = null;
  let exits: number[] = [];
  let pendingRestart: NodeJS.Timeout | undefined;
  let starting: Promise<unknown> = Promise.resolve();

  const exited = (code: number | string) => {
    if (state === 'stopped') return;
    const now = Date.now();
    lastExit = { code, at: new Date(now).toISOString() };
    exits = [...exits.filter((at) => now - at < policy.windowMs), now];
    if (exits.length >= policy.giveUpAfter) {
      state = 'failed';
      log(
        'fatal',
        `exited (${code}) ${exits.length} times within ${policy.windowMs / 1000} s: not restarting it again; fix the cause and restart the launcher`,
      );
      return;
    }
    state = 'restarting';
    const delayMs = Math.min(policy.maxDelayMs, policy.firstDelayMs * 2 ** (exits.length - 1));
    log('error', `exited unexpectedly (${code}); restarting in ${delayMs} ms`);
    pendingRestart = setTimeout(() => {
      pendingRestart = undefined;
      starting = restart();
    }, delayMs);
  };

  // A function, not an inline test: `state` may change while a start is awaited.
  const stopped = () => state === 'stopped';
  const restart = async () => {
    if (stopped()) return;
    try {
      const restarted = await options.start(current.port);
      if (stopped()) {
        await restarted.stop();
        return;
      }
      current = restarted;
      restarts += 1;
      state = 'running';
      options.onRestarted?.(restarted);
      log('info', `restarted (restart ${restarts}), listening on :${restarted.port} again`);
      watch(restarted);
    } catch (error) {
      // It exited before it was ready: an exit like any other.
      exited((error as Error).message);
    }
  };

  const watch = (service: ServiceProcess) => {
    service.exited.then((code) => {
      if (service === current) exited(code);
    });
  };
  watch(first);
  const stopRestarting = () => {
    state = 'stopped';
    clearTimeout(pendingRestart);
  };

  return {
    name,
    get current() {
      return current;
    },
    status: () => ({
      name,
      state,
      port: current.port,
      pid: state === 'running' ? (current.child.pid ?? null) : null,
      restarts,
      lastExit,
    }),
    stopRestarting,
    async stop() {
      stopRestarting();
      await starting;
      await current.stop();
    },
  };
}

/** The status of a service nobody restarts: running until it exits, then stopped. */
export function unsupervisedStatus(service: ServiceProcess): ServiceStatus {
  return {
    name: service.name,
    state: service.child.exitCode === null && service.child.signalCode === null ? 'running' : 'stopped',
    port: service.port,
    pid: service.child.pid ?? null,
    restarts: 0,
    lastExit: null,
  };
}
