import { machineBusySeconds, type ProcessCpu, readProcesses } from '../bench/cpu';

/** CPU seconds spent in a window: by the whole machine, by this process (the load generator) and by each part of the system. */
export interface CpuUsage {
  machineSeconds: number;
  loadGeneratorSeconds: number;
  /** By service (all its replicas), `postgres <database>` (the backends of one service's database) and `nats-server`. */
  byPart: Record<string, number>;
}

/**
 * Starts counting CPU from /proc; the returned function ends the window. Services are the
 * process trees of their pids; Postgres backends are told apart by the database in their
 * title (`postgres: 15/main: <role> <database> …`), so other users of the server do not count;
 * nats-server is counted whole (other users of it included). Null where /proc is not there.
 */
export function startCpuAccount(
  services: ReadonlyMap<string, readonly number[]>,
  databasePrefix: string,
): (() => CpuUsage) | null {
  let before: Map<number, ProcessCpu>;
  let machineBefore: number;
  try {
    before = readProcesses();
    machineBefore = machineBusySeconds();
  } catch {
    return null;
  }
  const loadBefore = process.cpuUsage();
  return () => {
    const after = readProcesses();
    const owner = new Map<number, string>();
    for (const [service, pids] of services) for (const pid of pids) owner.set(pid, service);
    const partOf = (pid: number, entry: ProcessCpu): string | undefined => {
      for (let at: number | undefined = pid; at !== undefined && at > 1; at = after.get(at)?.parent) {
        const service = owner.get(at);
        if (service) return service;
      }
      const database = entry.command
        .split(' ')
        .find((token) => entry.command.startsWith('postgres:') && token.startsWith(databasePrefix));
      if (database) return `postgres ${database.slice(databasePrefix.length)}`;
      if (/(^|\/)nats-server( |$)/.test(entry.command)) return 'nats-server';
      return undefined;
    };
    const byPart: Record<string, number> = {};
    for (const [pid, entry] of after) {
      const part = partOf(pid, entry);
      // A process started within the window counts whole; one that ended within it is missed (pooled backends rarely do).
      if (part) byPart[part] = (byPart[part] ?? 0) + entry.seconds - (before.get(pid)?.seconds ?? 0);
    }
    const load = process.cpuUsage(loadBefore);
    return {
      machineSeconds: machineBusySeconds() - machineBefore,
      loadGeneratorSeconds: (load.user + load.system) / 1e6,
      byPart,
    };
  };
}
