import cluster, { type Worker } from 'node:cluster';
import type { Logger } from '@shop/platform/logger';

/** A restart loop is not a cluster: a worker that dies this soon after starting is not replaced again. */
const MIN_WORKER_LIFE_MS = 5000;

/**
 * Runs `workers` gateway processes on one port (node:cluster: the primary holds the socket and
 * hands connections to the workers), so the gateway uses every core. The primary serves
 * nothing itself: it tells the launcher where the first worker listens, replaces a worker that
 * crashes, and on SIGTERM/SIGINT stops every worker (each finishes its requests) before exiting.
 */
export function runGatewayCluster(workers: number, logger: Logger): void {
  let stopping = false;
  let announced = false;
  const startedAt = new Map<Worker, number>();
  const fork = () => {
    const worker = cluster.fork();
    startedAt.set(worker, Date.now());
    worker.on('message', (message: { type?: string; port?: number }) => {
      // The launcher (npm start, tests, the benchmark) waits for this message from its child.
      if (message.type === 'listening' && !announced) {
        announced = true;
        process.send?.(message);
        logger.info({ workers, port: message.port }, `gateway cluster of ${workers} workers listening`);
      }
    });
  };
  cluster.on('exit', (worker, code, signal) => {
    const lived = Date.now() - (startedAt.get(worker) ?? 0);
    startedAt.delete(worker);
    if (stopping) {
      if (Object.keys(cluster.workers ?? {}).length === 0) process.exit(0);
      return;
    }
    logger.error({ pid: worker.process.pid, code, signal }, 'a gateway worker died');
    if (lived < MIN_WORKER_LIFE_MS && !announced) {
      logger.fatal('gateway workers die as they start: stopping');
      process.exit(1);
    }
    fork();
  });
  const stop = () => {
    if (stopping) return;
    stopping = true;
    const running = Object.values(cluster.workers ?? {});
    if (running.length === 0) process.exit(0);
    for (const worker of running) worker?.process.kill('SIGTERM');
  };
  process.on('SIGTERM', stop);
  process.on('SIGINT', stop);
  if (process.send) process.on('disconnect', stop);
  for (let i = 0; i < workers; i++) fork();
}
