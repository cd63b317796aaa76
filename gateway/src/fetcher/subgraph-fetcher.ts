import { setTimeout as sleep } from 'node:timers/promises';
import type { Fetcher, FetcherRequestInit } from '@apollo/utils.fetcher';
import { GatewayProofHeader } from '@shop/platform/auth';
import type { Logger } from '@shop/platform/logger';
import CircuitBreaker from 'opossum';
import type { Agent } from 'undici';
import { BufferedResponse, type ReceivedAnswer } from './buffered-response';
import { currentSubgraphCall } from './subgraph-call';

export interface SubgraphFetcherOptions {
  subgraph: string;
  /** The connection pool shared by every subgraph (one pool per origin inside). */
  agent: Agent;
  /** Longest one request may take, its retries included. */
  timeoutMs: number;
  /** Further attempts of a query whose connection failed. */
  retries: number;
  /** Share one request among identical queries in flight for the same caller. */
  deduplicate: boolean;
  circuit: CircuitOptions;
  logger: Logger;
  /** Told when the circuit opens (true) or closes (false). */
  onCircuitChange?: (open: boolean) => void;
}

export interface CircuitOptions {
  errorPercent: number;
  minRequests: number;
  windowMs: number;
  resetMs: number;
}

/**
 * The subgraph could not be asked: no connection, no answer in time, its circuit is open, or the
 * gateway has stopped (an execution whose client hung up during the drain, still running).
 */
export class SubgraphUnavailableError extends Error {
  constructor(
    readonly subgraph: string,
    readonly reason: 'connection' | 'timeout' | 'circuit-open' | 'stopped',
    message: string,
    options?: { cause?: unknown },
  ) {
    super(`subgraph ${subgraph} is unavailable (${reason}): ${message}`, options);
    this.name = 'SubgraphUnavailableError';
  }
}

/** A 5xx answer: counted as a failure by the circuit, then handed to the data source like any answer. */
class ServerErrorAnswer extends Error {
  constructor(readonly answer: ReceivedAnswer) {
    super(`HTTP ${answer.status}`);
  }
}

// Failures of the connection itself: the request never reached a resolver, so a query may go again.
const CONNECTION_ERRORS = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'EPIPE',
  'ENOTFOUND',
  'EAI_AGAIN',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'UND_ERR_SOCKET',
  'UND_ERR_CLOSED',
  'UND_ERR_CONNECT_TIMEOUT',
]);

/**
 * How the gateway sends to one subgraph: over the shared keep-alive pool, within the subgraph's
 * timeout (every attempt included), a query retried a bounded number of times when its
 * connection failed (a mutation never: it may have been applied), behind a circuit breaker that
 * fails fast while the subgraph is down and lets one request probe it every `resetMs`.
 * Identical queries in flight for the same caller share one request.
 */
export class SubgraphFetcher {
  readonly fetch: Fetcher;
  private readonly breaker: CircuitBreaker<[URL, FetcherRequestInit, number], ReceivedAnswer>;
  private readonly inFlight = new Map<string, Promise<ReceivedAnswer>>();

  constructor(private readonly options: SubgraphFetcherOptions) {
    this.breaker = new CircuitBreaker(
      (url: URL, init: FetcherRequestInit, deadline: number) => this.attempt(url, init, deadline),
      {
        // The timeout is ours (it cancels the request); opossum only counts and opens.
        timeout: false,
        errorThresholdPercentage: options.circuit.errorPercent,
        volumeThreshold: options.circuit.minRequests,
        rollingCountTimeout: options.circuit.windowMs,
        resetTimeout: options.circuit.resetMs,
        name: options.subgraph,
      },
    );
    const { subgraph, logger } = options;
    this.breaker.on('open', () => {
      logger.warn({ subgraph }, `subgraph ${subgraph} is failing: its circuit is open, requests fail fast`);
      options.onCircuitChange?.(true);
    });
    this.breaker.on('halfOpen', () => logger.info({ subgraph }, `probing subgraph ${subgraph} again`));
    this.breaker.on('close', () => {
      logger.info({ subgraph }, `subgraph ${subgraph} answers again: its circuit is closed`);
      options.onCircuitChange?.(false);
    });
    this.fetch = (url, init = {}) => this.send(url, init);
  }

  get circuitOpen(): boolean {
    return this.breaker.opened;
  }

  /** Stops the breaker's window timers. */
  shutdown(): void {
    this.breaker.shutdown();
  }

  private async send(url: string, init: FetcherRequestInit): Promise<BufferedResponse> {
    const { idempotent } = currentSubgraphCall();
    if (!idempotent || !this.options.deduplicate)
      return new BufferedResponse(url, await this.guarded(url, init));
    const key = deduplicationKey(url, init);
    let shared = this.inFlight.get(key);
    if (!shared) {
      shared = this.guarded(url, init).finally(() => this.inFlight.delete(key));
      this.inFlight.set(key, shared);
    }
    return new BufferedResponse(url, await shared);
  }

  private async guarded(url: string, init: FetcherRequestInit): Promise<ReceivedAnswer> {
    const deadline = Date.now() + this.options.timeoutMs;
    try {
      return await this.breaker.fire(new URL(url), init, deadline);
    } catch (error) {
      if (error instanceof ServerErrorAnswer) return error.answer;
      const code = (error as { code?: unknown }).code;
      if (code === 'EOPENBREAKER')
        throw new SubgraphUnavailableError(this.options.subgraph, 'circuit-open', 'failing fast');
      if (code === 'ESHUTDOWN')
        throw new SubgraphUnavailableError(this.options.subgraph, 'stopped', 'the gateway has stopped');
      throw error;
    }
  }

  private async attempt(url: URL, init: FetcherRequestInit, deadline: number): Promise<ReceivedAnswer> {
    const retries = currentSubgraphCall().idempotent ? this.options.retries : 0;
    for (let attempt = 0; ; attempt++) {
      try {
        const answer = await this.request(url, init, deadline);
        if (answer.status >= 500) throw new ServerErrorAnswer(answer);
        return answer;
      } catch (error) {
        const backoffMs = 10 * 4 ** attempt;
        const retry = attempt < retries && isConnectionError(error) && Date.now() + backoffMs < deadline - 1;
        if (!retry) throw this.unavailable(error);
        await sleep(backoffMs);
      }
    }
  }

  private async request(url: URL, init: FetcherRequestInit, deadline: number): Promise<ReceivedAnswer> {
    const remaining = deadline - Date.now();
    if (remaining <= 0) throw new DeadlineError();
    const response = await this.options.agent.request({
      origin: url.origin,
      path: `${url.pathname}${url.search}`,
      method: (init.method ?? 'GET') as 'GET' | 'POST',
      headers: init.headers ?? {},
      body: init.body ?? null,
      signal: AbortSignal.timeout(remaining),
    });
    const body = await response.body.text();
    const headers: [string, string][] = [];
    for (const [name, value] of Object.entries(response.headers)) {
      if (typeof value === 'string') headers.push([name, value]);
      else if (Array.isArray(value)) for (const item of value) headers.push([name, item]);
    }
    return { status: response.statusCode, headers, body };
  }

  private unavailable(error: unknown): unknown {
    const { subgraph, timeoutMs } = this.options;
    if (error instanceof ServerErrorAnswer || error instanceof SubgraphUnavailableError) return error;
    if (error instanceof DeadlineError || isTimeout(error))
      return new SubgraphUnavailableError(subgraph, 'timeout', `no answer within ${timeoutMs} ms`, {
        cause: error,
      });
    if (isConnectionError(error))
      return new SubgraphUnavailableError(subgraph, 'connection', (error as Error).message, { cause: error });
    return error;
  }
}

class DeadlineError extends Error {}

function isConnectionError(error: unknown): boolean {
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === 'string' && CONNECTION_ERRORS.has(code);
}

function isTimeout(error: unknown): boolean {
  const name = (error as { name?: unknown } | null)?.name;
  const code = (error as { code?: unknown } | null)?.code;
  return (
    name === 'TimeoutError' ||
    name === 'AbortError' ||
    code === 'UND_ERR_HEADERS_TIMEOUT' ||
    code === 'UND_ERR_BODY_TIMEOUT'
  );
}

/** Same subgraph, same bytes, same caller: the same answer. Request ids and trace headers differ and do not matter. */
function deduplicationKey(url: string, init: FetcherRequestInit): string {
  const caller = init.headers?.[GatewayProofHeader.CALLER] ?? '';
  const body = typeof init.body === 'string' ? init.body : (init.body?.toString('utf8') ?? '');
  return `${url}\n${caller}\n${body}`;
}
