import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, expect, it } from 'vitest';
import { type ServiceProcess, startServiceProcess } from '../lib/processes';
import { type SupervisedService, supervise } from '../lib/supervisor';

/**
 * The launcher's restart policy on a real child process that says it listens and then crashes
 * (exit code 3) a moment later, every time: backoff doubling, then given up after 5 exits.
 */
const folder = mkdtempSync(join(tmpdir(), 'supervisor-'));
const crashing = join(folder, 'crashing-service.ts');
writeFileSync(
  crashing,
  "process.send?.({ type: 'listening', port: Number(process.env.PORT) });\nsetTimeout(() => process.exit(3), 100);\n",
);

const lines: { service: string; level: string; msg: string }[] = [];
const output = (service: string, line: string) => {
  const { level, msg } = JSON.parse(line) as { level: string; msg: string };
  lines.push({ service, level, msg });
};
const start = (port: number): Promise<ServiceProcess> =>
  startServiceProcess('crasher', crashing, { env: { ...process.env, PORT: String(port) }, output });

let supervised: SupervisedService | undefined;
afterAll(() => supervised?.stop());

it('restarts a service that exits with doubling delays, then gives up loudly after 5 exits within the window', async () => {
  const first = await start(4999);
  supervised = supervise(first, {
    start,
    output,
    policy: { firstDelayMs: 100, maxDelayMs: 1000, giveUpAfter: 5, windowMs: 60_000 },
  });
  while (supervised.status().state !== 'failed') await new Promise((resolve) => setTimeout(resolve, 50));

  expect(supervised.status()).toMatchObject({
    name: 'crasher',
    state: 'failed',
    port: 4999,
    pid: null,
    restarts: 4,
    lastExit: { code: 3 },
  });
  const said = lines.filter((line) => line.service === 'crasher').map((line) => `${line.level} ${line.msg}`);
  expect(said.filter((line) => line.startsWith('error'))).toEqual([
    'error exited unexpectedly (3); restarting in 100 ms',
    'error exited unexpectedly (3); restarting in 200 ms',
    'error exited unexpectedly (3); restarting in 400 ms',
    'error exited unexpectedly (3); restarting in 800 ms',
  ]);
  expect(said.filter((line) => line.startsWith('info'))).toHaveLength(4);
  expect(said.at(-1)).toMatch(/^fatal exited \(3\) 5 times within 60 s: not restarting it again/);
}, 60_000);

it('restarts nothing once it is told to stop', async () => {
  const first = await start(4998);
  const service = supervise(first, {
    start,
    output,
    policy: { firstDelayMs: 100, maxDelayMs: 1000, giveUpAfter: 5, windowMs: 60_000 },
  });
  service.stopRestarting();
  await first.exited;
  await new Promise((resolve) => setTimeout(resolve, 300));
  expect(service.status()).toMatchObject({ state: 'stopped', restarts: 0 });
  expect(service.current).toBe(first);
});
