import { createHash } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Logger } from '@shop/platform/logger';
import { StartupError } from '@shop/platform/service';
import type { GatewayConfig } from '../config';
import { fileSupergraphSource, type SupergraphSource, urlSupergraphSource } from './sources';

/** How often a gateway waiting for its supergraph at start asks again. */
const START_RETRY_MS = 1000;

/** A file event is followed by more while a writer is busy; read once they have settled. */
const SETTLE_MS = 50;

const supergraphId = (sdl: string) => createHash('sha256').update(sdl).digest('hex').slice(0, 12);

/**
 * The supergraph to start with. A file must be there. A URL (the registry) that cannot be
 * read is waited for, retried and logged, or, with SUPERGRAPH_FALLBACK_PATH, replaced by that
 * file until the URL answers (the poll then swaps the registry's version in).
 */
async function readAtStart(source: SupergraphSource, config: GatewayConfig, logger: Logger): Promise<string> {
  const unreadable = (error: unknown, where = source.description) =>
    new StartupError(`cannot read the supergraph at ${where}: ${(error as Error).message}`);
  let waitedSince: number | null = null;
  for (;;) {
    try {
      const sdl = await source.read();
      if (waitedSince !== null)
        logger.info(
          { source: source.description, waitedSeconds: Math.round((Date.now() - waitedSince) / 1000) },
          'the supergraph can be read: starting',
        );
      return sdl;
    } catch (error) {
      if (!config.SUPERGRAPH_URL) throw unreadable(error);
      if (config.SUPERGRAPH_FALLBACK_PATH) {
        logger.warn(
          { err: error, source: source.description, fallback: config.SUPERGRAPH_FALLBACK_PATH },
          `cannot read the supergraph at ${source.description}: starting from SUPERGRAPH_FALLBACK_PATH until it can be read`,
        );
        try {
          return await fileSupergraphSource(config.SUPERGRAPH_FALLBACK_PATH).read();
        } catch (fallbackError) {
          throw unreadable(fallbackError, config.SUPERGRAPH_FALLBACK_PATH);
        }
      }
      if (waitedSince === null) {
        waitedSince = Date.now();
        logger.warn(
          { err: error, source: source.description, retrySeconds: START_RETRY_MS / 1000 },
          `waiting for the supergraph at ${source.description} (is the registry up?): retrying every ${START_RETRY_MS / 1000} s; SUPERGRAPH_FALLBACK_PATH would start from a file instead`,
        );
      }
      await sleep(START_RETRY_MS);
    }
  }
}

/** What the gateway makes of one version of the supergraph: at least the SDL its query planner gets. */
export interface PreparedSupergraph {
  plannerSdl: string;
}

/**
 * Delivers the supergraph to @apollo/gateway and keeps it current: a changed file (or a new
 * answer from SUPERGRAPH_URL) is prepared (`prepare`, which may refuse it by throwing) and
 * swapped in through the gateway's `update` callback, while requests in flight finish on the plan
 * they started with; `current` is then what was prepared with it. A supergraph that fails to
 * load is logged, and the one being served stays.
 */
export class SupergraphDelivery<TPrepared extends PreparedSupergraph> {
  private update: ((sdl: string) => void) | null = null;
  private servedId: string | null = null;
  private failedId: string | null = null;
  /** Set while the source cannot be read: an outage is logged when it starts and when it ends. */
  private unreadable = false;
  private refreshing: Promise<void> | null = null;
  private refreshAgain = false;
  private settleTimer: NodeJS.Timeout | undefined;
  private pollTimer: NodeJS.Timeout | undefined;
  private stopWatching: (() => void) | null = null;

  private constructor(
    private readonly source: SupergraphSource,
    private readonly initialSdl: string,
    /** The supergraph being served, as prepared. */
    public current: TPrepared,
    private readonly prepare: (sdl: string) => TPrepared,
    private readonly pollMs: number,
    private readonly logger: Logger,
  ) {}

  /**
   * Reads and prepares the supergraph once, so that a missing or unusable one stops the start
   * with a message that names it.
   */
  static async open<TPrepared extends PreparedSupergraph>(
    config: GatewayConfig,
    logger: Logger,
    prepare: (sdl: string) => TPrepared,
  ): Promise<SupergraphDelivery<TPrepared>> {
    const source = config.SUPERGRAPH_URL
      ? urlSupergraphSource(config.SUPERGRAPH_URL)
      : fileSupergraphSource(config.SUPERGRAPH_PATH);
    const sdl = await readAtStart(source, config, logger);
    let prepared: TPrepared;
    try {
      prepared = prepare(sdl);
    } catch (error) {
      throw new StartupError(
        `cannot serve the supergraph at ${source.description}: ${(error as Error).message}`,
      );
    }
    return new SupergraphDelivery(
      source,
      sdl,
      prepared,
      prepare,
      config.SUPERGRAPH_POLL_SECONDS * 1000,
      logger,
    );
  }

  get description(): string {
    return this.source.description;
  }

  async initialize({ update }: { update: (supergraphSdl: string) => void }) {
    this.update = update;
    this.servedId = supergraphId(this.initialSdl);
    this.stopWatching = this.source.watch?.(() => this.settleThenRefresh(), this.logger) ?? null;
    this.schedulePoll();
    return { supergraphSdl: this.current.plannerSdl, cleanup: async () => this.stop() };
  }

  /** Reads the source now; resolves when the newest supergraph is served (or was refused). */
  refresh(): Promise<void> {
    if (this.refreshing) {
      this.refreshAgain = true;
      return this.refreshing;
    }
    this.refreshing = (async () => {
      do {
        this.refreshAgain = false;
        await this.loadLatest();
      } while (this.refreshAgain);
      this.refreshing = null;
    })();
    return this.refreshing;
  }

  private async loadLatest(): Promise<void> {
    let sdl: string;
    try {
      sdl = await this.source.read();
    } catch (error) {
      if (!this.unreadable)
        this.logger.warn(
          { err: error, source: this.source.description },
          'cannot read the supergraph; still serving the previous one',
        );
      this.unreadable = true;
      return;
    }
    if (this.unreadable)
      this.logger.info({ source: this.source.description }, 'the supergraph can be read again');
    this.unreadable = false;
    const id = supergraphId(sdl);
    if (id === this.servedId || id === this.failedId || !this.update) return;
    try {
      const prepared = this.prepare(sdl);
      // Builds the new schema and query planner; throws, changing nothing, when it does not load.
      this.update(prepared.plannerSdl);
      // Same tick as the planner swap: no request sees the new plan with the old policy.
      this.current = prepared;
    } catch (error) {
      this.failedId = id;
      this.logger.error(
        { err: error, source: this.source.description, supergraph: id, serving: this.servedId },
        'the new supergraph failed to load; still serving the previous one',
      );
      return;
    }
    this.logger.info(
      { source: this.source.description, supergraph: id, previous: this.servedId },
      'serving a new supergraph',
    );
    this.servedId = id;
    this.failedId = null;
  }

  private settleThenRefresh(): void {
    clearTimeout(this.settleTimer);
    this.settleTimer = setTimeout(() => void this.refresh(), SETTLE_MS);
    this.settleTimer.unref();
  }

  private schedulePoll(): void {
    this.pollTimer = setTimeout(async () => {
      await this.refresh();
      if (this.update) this.schedulePoll();
    }, this.pollMs);
    this.pollTimer.unref();
  }

  private async stop(): Promise<void> {
    this.update = null;
    clearTimeout(this.settleTimer);
    clearTimeout(this.pollTimer);
    this.stopWatching?.();
    await this.refreshing;
  }
}
