import WebSocket from 'ws';

/** What a Node process holds, measured inside it right after a full garbage collection. */
export interface ProcessFootprint {
  heapUsedBytes: number;
  rssBytes: number;
  /** process.getActiveResourcesInfo(): sockets, timers and other handles keeping it busy, by kind. */
  activeResources: Record<string, number>;
}

const INSPECTOR_URL = /Debugger listening on (ws:\/\/127\.0\.0\.1:\d+\/[\w-]+)/;

/**
 * NODE_OPTIONS for a service a test measures from inside: its inspector on a free loopback port,
 * announced on its output (see inspectorUrlIn). Only tests turn it on.
 */
export function inspectableNodeOptions(): string {
  return `${process.env.NODE_OPTIONS ?? ''} --inspect=127.0.0.1:0`.trim();
}

/** The inspector address a process announced in one line of its output, if that line is it. */
export function inspectorUrlIn(line: string): string | null {
  return INSPECTOR_URL.exec(line)?.[1] ?? null;
}

/**
 * Collects all garbage in the process behind `inspectorUrl` (the DevTools protocol's
 * HeapProfiler.collectGarbage), then reads its heap, RSS and active resources: a heap measured
 * without a collection moves by tens of MB with nothing leaked.
 */
export async function footprintAfterGc(inspectorUrl: string): Promise<ProcessFootprint> {
  const socket = new WebSocket(inspectorUrl);
  await new Promise((resolve, reject) => {
    socket.once('open', resolve);
    socket.once('error', reject);
  });
  let nextId = 0;
  const call = (method: string, params: Record<string, unknown> = {}) =>
    new Promise<Record<string, unknown>>((resolve, reject) => {
      nextId += 1;
      const id = nextId;
      const onMessage = (data: WebSocket.RawData) => {
        const message = JSON.parse(data.toString()) as {
          id?: number;
          result?: Record<string, unknown>;
          error?: unknown;
        };
        if (message.id !== id) return;
        socket.off('message', onMessage);
        if (message.error) reject(new Error(`${method}: ${JSON.stringify(message.error)}`));
        else resolve(message.result ?? {});
      };
      socket.on('message', onMessage);
      socket.send(JSON.stringify({ id, method, params }));
    });
  try {
    await call('HeapProfiler.collectGarbage');
    const evaluated = await call('Runtime.evaluate', {
      expression: `JSON.stringify({
        heapUsedBytes: process.memoryUsage().heapUsed,
        rssBytes: process.memoryUsage().rss,
        activeResources: process.getActiveResourcesInfo().reduce((kinds, kind) => ({ ...kinds, [kind]: (kinds[kind] ?? 0) + 1 }), {}),
      })`,
      returnByValue: true,
    });
    const value = (evaluated.result as { value?: string } | undefined)?.value;
    if (typeof value !== 'string') throw new Error(`the process answered ${JSON.stringify(evaluated)}`);
    return JSON.parse(value) as ProcessFootprint;
  } finally {
    socket.close();
  }
}
