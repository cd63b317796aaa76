import { readdirSync, readFileSync } from 'node:fs';

// Linux reports CPU time in clock ticks of 1/100 s (USER_HZ, fixed for user space on every architecture).
const TICKS_PER_SECOND = 100;

/** CPU seconds used so far: by a process and its descendants (a clustered gateway's workers), and by the whole machine. */
export interface CpuReading {
  processSeconds: number;
  machineSeconds: number;
}

/** One process as /proc shows it: its parent, its CPU seconds so far (user + system) and its command line. */
export interface ProcessCpu {
  parent: number;
  seconds: number;
  command: string;
}

/**
 * Reads /proc: the CPU time of `pid`'s process tree and of the machine (every core, busy time
 * only). Null where /proc is not there (the benchmark then prints no CPU columns).
 */
export function readCpu(pid: number | undefined): CpuReading | null {
  try {
    return {
      processSeconds: pid === undefined ? 0 : treeSeconds(readProcesses(), [pid]),
      machineSeconds: machineBusySeconds(),
    };
  } catch {
    return null;
  }
}

/** Busy CPU seconds of every core since boot. Throws where /proc is not there. */
export function machineBusySeconds(): number {
  const machine = readFileSync('/proc/stat', 'utf8').split('\n')[0]?.trim().split(/\s+/).slice(1) ?? [];
  // user nice system idle iowait irq softirq steal: everything but idle and iowait is busy.
  const busy = machine
    .slice(0, 8)
    .reduce((sum, value, index) => (index === 3 || index === 4 ? sum : sum + Number(value)), 0);
  return busy / TICKS_PER_SECOND;
}

/** Every process now, by pid. */
export function readProcesses(): Map<number, ProcessCpu> {
  const processes = new Map<number, ProcessCpu>();
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      // The command name may hold spaces and parentheses: the fields start after the last ')'.
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      processes.set(Number(entry), {
        parent: Number(fields[1]),
        seconds: (Number(fields[11]) + Number(fields[12])) / TICKS_PER_SECOND,
        command: readFileSync(`/proc/${entry}/cmdline`, 'utf8').replaceAll('\0', ' ').trim(),
      });
    } catch {
      // the process ended while /proc was read
    }
  }
  return processes;
}

/** CPU seconds of the processes in the trees rooted at `roots`. */
export function treeSeconds(processes: ReadonlyMap<number, ProcessCpu>, roots: readonly number[]): number {
  const wanted = new Set(roots);
  let total = 0;
  for (const [pid, process] of processes) {
    for (let at: number | undefined = pid; at !== undefined && at > 1; at = processes.get(at)?.parent) {
      if (wanted.has(at)) {
        total += process.seconds;
        break;
      }
    }
  }
  return total;
}
