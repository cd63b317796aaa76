import { type ChildProcess, spawn } from 'node:child_process';
import { createInterface } from 'node:readline';
import { ROOT } from './services';

export type OutputSink = (service: string, line: string) => void;

export interface ServiceProcess {
  name: string;
  port: number;
  child: ChildProcess;
  /** Resolves with the exit code (or the signal's name) when the process ends. */
  exited: Promise<number | string>;
  /** SIGTERM, then waits; SIGKILL if it has not exited after `timeoutMs`. */
  stop(timeoutMs?: number): Promise<void>;
}

/**
 * Runs a TypeScript entry point as its own Node process (each service is a process, as in
 * production) and forwards its output line by line.
 */
export function runTypeScript(
  name: string,
  entry: string,
  options: {
    args?: string[];
    env: NodeJS.ProcessEnv;
    output: OutputSink;
    ipc?: boolean;
    nodeArgs?: string[];
  },
): { child: ChildProcess; exited: Promise<number | string> } {
  const nodeArgs = [...(options.nodeArgs ?? []), '--import', 'tsx'];
  const child = spawn(process.execPath, [...nodeArgs, entry, ...(options.args ?? [])], {
    cwd: ROOT,
    env: options.env,
    stdio: ['ignore', 'pipe', 'pipe', ...(options.ipc ? (['ipc'] as const) : [])],
  });
  for (const stream of [child.stdout, child.stderr]) {
    if (stream) createInterface({ input: stream }).on('line', (line) => options.output(name, line));
  }
  const exited = new Promise<number | string>((resolve) => {
    child.once('exit', (code, signal) => resolve(code ?? signal ?? 'unknown'));
  });
  return { child, exited };
}

// Few enough that CI's summary (a failure's first 12 lines) shows them all.
const LINES_KEPT_UNTIL_READY = 10;

/** Starts a service and waits until it says where it listens (or fails, with its last lines). */
export async function startServiceProcess(
  name: string,
  entry: string,
  options: { env: NodeJS.ProcessEnv; output: OutputSink; args?: string[]; nodeArgs?: string[] },
): Promise<ServiceProcess> {
  // The last lines before it is ready say why a start failed, also where the output is not shown.
  const lastLines: string[] = [];
  let ready = false;
  const output: OutputSink = (service, line) => {
    if (!ready) lastLines.push(line);
    if (lastLines.length > LINES_KEPT_UNTIL_READY) lastLines.shift();
    options.output(service, line);
  };
  const { child, exited } = runTypeScript(name, entry, { ...options, output, ipc: true });
  const port = await new Promise<number>((resolve, reject) => {
    child.on('message', (message: { type?: string; port?: number }) => {
      if (message.type === 'listening' && typeof message.port === 'number') resolve(message.port);
    });
    exited.then((code) =>
      reject(
        new Error(`${name} exited (${code}) before it was ready; its last lines:\n${lastLines.join('\n')}`),
      ),
    );
  });
  ready = true;
  lastLines.length = 0;
  return {
    name,
    port,
    child,
    exited,
    async stop(timeoutMs = 15_000) {
      if (child.exitCode !== null || child.signalCode !== null) return;
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
      await exited;
      clearTimeout(timer);
    },
  };
}

/** Runs a one-off TypeScript program to its end; rejects when it fails. */
export async function runToCompletion(
  name: string,
  entry: string,
  options: { args?: string[]; env: NodeJS.ProcessEnv; output: OutputSink },
): Promise<void> {
  const { exited } = runTypeScript(name, entry, options);
  const code = await exited;
  if (code !== 0) throw new Error(`${name} failed (${code})`);
}
