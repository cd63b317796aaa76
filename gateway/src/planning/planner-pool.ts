import { createHash } from 'node:crypto';
import { Worker } from 'node:worker_threads';
import type { QueryPlan } from '@apollo/query-planner';
import type { Logger } from '@shop/platform/logger';
import type { Metrics } from '@shop/platform/metrics';
import { GraphQLError } from 'graphql';
import { PlanRefused, plannerBusy } from './plan-refused';
import type {
  PlannedRewrite,
  PlannerReply,
  PlannerRequest,
  PlannerWorkerData,
  PlanningError,
} from './planner-messages';
import { type PlanningMetrics, planningMetrics } from './planning-metrics';

export interface PlannerPoolOptions {
  /** Planner threads; each holds a planner of its own. */
  workers: number;
  /** Operations waiting for a planner; past this many, more are refused as busy. */
  queueLength: number;
  /** A plan not made in this long is refused, and its thread replaced. */
  maxPlanningMs: number;
  /** A plan whose JSON is longer than this is refused. */
  maxPlanBytes: number;
  validateSupergraph: boolean;
  /** How long an over-time refusal is remembered (OVER_TIME_MEMORY_MS unless a test says). */
  overTimeMemoryMs?: number;
}

/** One version of the supergraph as the planners load it. */
export interface PlannedSupergraph {
  version: string;
  sdl: string;
}

export function plannedSupergraph(sdl: string): PlannedSupergraph {
  return { version: createHash('sha256').update(sdl).digest('base64url').slice(0, 16), sdl };
}

export interface PlanRequest {
  supergraph: PlannedSupergraph;
  query: string;
  operationName: string | undefined;
  /** Validate with graphql-js first (see PlannerRequest). */
  validate: boolean;
}

export type PlanResult =
  | { kind: 'planned'; plan: QueryPlan; rewrite?: PlannedRewrite }
  | { kind: 'invalid'; errors: string[] };

interface Job {
  id: number;
  request: PlanRequest;
  resolve: (result: PlanResult) => void;
  reject: (error: Error) => void;
}

interface PlannerThread {
  worker: Worker;
  /** The supergraph version its planner holds, and the one it is loading. */
  version: string | null;
  loading: string | null;
  job: Job | null;
  startedAt: number;
  timer: NodeJS.Timeout | undefined;
  /** Set when the pool itself ends the thread: its exit is then no failure. */
  ended: boolean;
  outOfMemory: boolean;
}

// A planner that runs away with memory is stopped (as over the size budget) before the gateway is.
const WORKER_HEAP_MB = 1024;
const MAX_REMEMBERED_REFUSALS = 1000;
// Planning time depends on the machine's load as well as the operation, so an over-time refusal is
// retried after this long; an oversized plan stays oversized, so that refusal holds for the version.
export const OVER_TIME_MEMORY_MS = 5 * 60_000;

interface RememberedRefusal {
  refusal: PlanRefused;
  /** performance.now() after which the operation is planned again. */
  until: number;
}

/**
 * Query planning off the event loop: `workers` threads, each with Apollo's QueryPlanner for the
 * supergraph version it last loaded, plan operations sent as text. A plan must be made within
 * `maxPlanningMs` (else its thread is terminated and replaced) and be at most `maxPlanBytes` of
 * JSON; one over either budget is refused with a 400 and remembered for its supergraph version,
 * operation name and text, so it is refused at once next time (over time: for OVER_TIME_MEMORY_MS,
 * as a busy machine may have caused it; over size: for the version). The same operation asked for
 * while it is being planned waits for that planning.
 */
export class PlannerPool {
  private readonly threads: (PlannerThread | null)[];
  private readonly queue: Job[] = [];
  private readonly inFlight = new Map<string, Promise<PlanResult>>();
  private readonly refusals = new Map<string, RememberedRefusal>();
  private readonly metrics: PlanningMetrics;
  private latest: PlannedSupergraph | null = null;
  private nextId = 1;
  private closed = false;

  constructor(
    private readonly options: PlannerPoolOptions,
    private readonly logger: Logger,
    metrics: Metrics,
  ) {
    this.threads = Array.from({ length: options.workers }, () => null);
    this.metrics = planningMetrics(metrics);
  }

  /** Has every thread load `supergraph` now (each version as it is served), not on its first operation. */
  warm(supergraph: PlannedSupergraph): void {
    if (this.closed) return;
    this.latest = supergraph;
    this.threads.forEach((thread, slot) => {
      if (!thread) this.spawn(slot);
    });
    this.pump();
  }

  /** The plan of `request`'s operation; throws PlanRefused over budget, and the planner's own errors. */
  async plan(request: PlanRequest): Promise<PlanResult> {
    const key = refusalKey(request);
    const refused = this.rememberedRefusal(key);
    if (refused) {
      this.metrics.refused.inc({ code: refused.code, from: 'memory' });
      throw refused;
    }
    const flightKey = `${request.validate}\n${key}`;
    let flight = this.inFlight.get(flightKey);
    if (!flight) {
      flight = this.enqueue(request).finally(() => this.inFlight.delete(flightKey));
      this.inFlight.set(flightKey, flight);
    }
    try {
      return await flight;
    } catch (error) {
      if (error instanceof PlanRefused) {
        this.remember(key, error);
        this.metrics.refused.inc({ code: error.code, from: 'planner' });
      }
      throw error;
    }
  }

  async close(): Promise<void> {
    this.closed = true;
    for (const job of this.queue.splice(0)) job.reject(new Error('the gateway is stopping'));
    await Promise.all(
      this.threads.map(async (thread) => {
        if (!thread) return;
        thread.ended = true;
        clearTimeout(thread.timer);
        thread.job?.reject(new Error('the gateway is stopping'));
        await thread.worker.terminate();
      }),
    );
  }

  private enqueue(request: PlanRequest): Promise<PlanResult> {
    if (this.closed) return Promise.reject(new Error('the gateway is stopping'));
    if (this.queue.length >= this.options.queueLength) return Promise.reject(plannerBusy());
    return new Promise<PlanResult>((resolve, reject) => {
      this.queue.push({ id: this.nextId++, request, resolve, reject });
      this.pump();
    });
  }

  /** Gives each idle thread the next operation, or first the supergraph version it needs. */
  private pump(): void {
    if (this.closed) return;
    this.threads.forEach((existing, slot) => {
      const thread = existing ?? (this.queue.length > 0 ? this.spawn(slot) : null);
      if (!thread || thread.job || thread.loading) return;
      const next = this.queue[0];
      const wanted = next?.request.supergraph ?? this.latest;
      if (!wanted) return;
      if (thread.version !== wanted.version) this.load(thread, wanted);
      else if (next) {
        this.queue.shift();
        this.start(thread, next);
      }
    });
  }

  private spawn(slot: number): PlannerThread {
    const worker = new Worker(WORKER_BOOTSTRAP, {
      eval: true,
      execArgv: [],
      workerData: { maxPlanBytes: this.options.maxPlanBytes } satisfies PlannerWorkerData,
      resourceLimits: { maxOldGenerationSizeMb: WORKER_HEAP_MB },
    });
    // Planner threads never keep a stopping process alive.
    worker.unref();
    const thread: PlannerThread = {
      worker,
      version: null,
      loading: null,
      job: null,
      startedAt: 0,
      timer: undefined,
      ended: false,
      outOfMemory: false,
    };
    worker.on('message', (reply: PlannerReply) => this.answered(thread, reply));
    worker.on('error', (error: Error & { code?: string }) => {
      if (error.code === 'ERR_WORKER_OUT_OF_MEMORY') thread.outOfMemory = true;
      else this.logger.error({ err: error }, 'a query planner thread failed');
    });
    worker.on('exit', (code) => this.exited(thread, code));
    this.threads[slot] = thread;
    return thread;
  }

  private load(thread: PlannerThread, supergraph: PlannedSupergraph): void {
    thread.loading = supergraph.version;
    thread.worker.postMessage({
      kind: 'load',
      version: supergraph.version,
      supergraphSdl: supergraph.sdl,
      validateSupergraph: this.options.validateSupergraph,
    } satisfies PlannerRequest);
  }

  private start(thread: PlannerThread, job: Job): void {
    thread.job = job;
    thread.startedAt = performance.now();
    thread.timer = setTimeout(() => this.overTime(thread), this.options.maxPlanningMs);
    thread.worker.postMessage({
      kind: 'plan',
      id: job.id,
      query: job.request.query,
      operationName: job.request.operationName,
      validate: job.request.validate,
    } satisfies PlannerRequest);
  }

  private answered(thread: PlannerThread, reply: PlannerReply): void {
    if (reply.kind === 'loaded') {
      thread.loading = null;
      thread.version = reply.version;
    } else if (reply.kind === 'load-failed') {
      thread.loading = null;
      thread.version = null;
      this.logger.error(
        { supergraph: reply.version },
        `a query planner cannot load the supergraph: ${reply.message}`,
      );
      // Not tried again: the operations waiting for that version fail instead.
      if (this.latest?.version === reply.version) this.latest = null;
      this.failWaiting(
        new Error(`the query planner cannot load the supergraph: ${reply.message}`),
        reply.version,
      );
    } else {
      const job = thread.job;
      // An answer after the budget ran out never arrives: that thread was terminated.
      if (!job || job.id !== reply.id) return;
      clearTimeout(thread.timer);
      thread.job = null;
      const seconds = (performance.now() - thread.startedAt) / 1000;
      switch (reply.kind) {
        case 'planned':
          this.metrics.duration.observe({ outcome: 'planned' }, seconds);
          job.resolve({
            kind: 'planned',
            plan: reply.plan,
            ...(reply.rewrite ? { rewrite: reply.rewrite } : {}),
          });
          break;
        case 'oversized':
          this.metrics.duration.observe({ outcome: 'refused' }, seconds);
          this.logger.info({ bytes: reply.bytes }, 'a query plan went over its size budget');
          job.reject(PlanRefused.overSize(this.options.maxPlanBytes));
          break;
        case 'invalid':
          this.metrics.duration.observe({ outcome: 'invalid' }, seconds);
          job.resolve({ kind: 'invalid', errors: reply.errors });
          break;
        case 'failed':
          this.metrics.duration.observe({ outcome: 'failed' }, seconds);
          job.reject(planningError(reply.error));
          break;
      }
    }
    this.pump();
  }

  private overTime(thread: PlannerThread): void {
    const job = thread.job;
    if (!job) return;
    thread.job = null;
    this.metrics.duration.observe({ outcome: 'refused' }, this.options.maxPlanningMs / 1000);
    this.logger.warn(
      { maxPlanningMs: this.options.maxPlanningMs },
      'a query plan went over its time budget: its planner thread is replaced',
    );
    job.reject(PlanRefused.overTime(this.options.maxPlanningMs));
    this.replace(thread);
  }

  private replace(thread: PlannerThread): void {
    thread.ended = true;
    void thread.worker.terminate();
    const slot = this.threads.indexOf(thread);
    if (slot === -1 || this.closed) return;
    this.spawn(slot);
    this.pump();
  }

  private exited(thread: PlannerThread, code: number): void {
    if (thread.ended) return;
    clearTimeout(thread.timer);
    const slot = this.threads.indexOf(thread);
    if (slot !== -1) this.threads[slot] = null;
    const job = thread.job;
    if (job) {
      if (thread.outOfMemory) {
        this.metrics.duration.observe({ outcome: 'refused' }, (performance.now() - thread.startedAt) / 1000);
        this.logger.warn('a query plan ran out of memory: its planner thread is replaced');
        job.reject(PlanRefused.overSize(this.options.maxPlanBytes));
      } else job.reject(new Error(`the query planner thread stopped (exit code ${code})`));
      if (slot !== -1 && !this.closed) this.spawn(slot);
      this.pump();
      return;
    }
    // A thread that dies before it could plan anything would die again: the waiting fail, no loop.
    this.logger.error({ code }, 'a query planner thread stopped');
    if (thread.version === null) this.failWaiting(new Error('the query planner thread could not start'));
  }

  private failWaiting(error: Error, version?: string): void {
    for (let i = this.queue.length - 1; i >= 0; i--) {
      const job = this.queue[i];
      if (!job || (version !== undefined && job.request.supergraph.version !== version)) continue;
      this.queue.splice(i, 1);
      job.reject(error);
    }
  }

  private rememberedRefusal(key: string): PlanRefused | undefined {
    const remembered = this.refusals.get(key);
    if (!remembered) return undefined;
    if (performance.now() < remembered.until) return remembered.refusal;
    this.refusals.delete(key);
    return undefined;
  }

  private remember(key: string, refusal: PlanRefused): void {
    if (this.refusals.has(key)) return;
    if (this.refusals.size >= MAX_REMEMBERED_REFUSALS) {
      const oldest = this.refusals.keys().next().value;
      if (oldest !== undefined) this.refusals.delete(oldest);
    }
    const until =
      refusal.code === 'MAX_PLANNING_TIME_LIMIT'
        ? performance.now() + (this.options.overTimeMemoryMs ?? OVER_TIME_MEMORY_MS)
        : Number.POSITIVE_INFINITY;
    this.refusals.set(key, { refusal, until });
  }
}

/** A refusal holds for one supergraph version, operation name and text (variables change no plan). */
function refusalKey({ supergraph, operationName, query }: PlanRequest): string {
  return `${supergraph.version}\n${operationName ?? ''}\n${createHash('sha256').update(query).digest('hex')}`;
}

/** The planner's error as it was thrown in the thread: a GraphQLError stays one. */
function planningError({ message, extensions }: PlanningError): Error {
  return extensions ? new GraphQLError(message, { extensions }) : new Error(message);
}

// The worker runs TypeScript as every service does (tsx), whether or not this thread does: Node 20
// cannot start a worker from a .ts file, so a script registers tsx and imports it.
const WORKER_BOOTSTRAP = `import(${JSON.stringify(import.meta.resolve('tsx/esm/api'))}).then(({ tsImport }) =>
  tsImport(${JSON.stringify(new URL('./planner-worker.ts', import.meta.url).href)}, ${JSON.stringify(import.meta.url)}));`;
