import { setTimeout as sleep } from 'node:timers/promises';
import { GatewayProofHeader } from '@shop/platform/auth';
import type { Logger } from '@shop/platform/logger';
import CircuitBreaker from 'opossum';
import type { Agent } from 'undici';

/** One HTTP request for a subgraph, its body already written (and signed). */
export interface OutgoingRequest {
  body: string;
  headers: Record<string, string>;
  /** A query: may be retried when its connection failed, and shared with an identical one in flight. */
  idempotent: boolean;
}

/** What one subgraph answered, read in full: cheap to hand to several waiting requests (each parses its own copy). */
export interface ReceivedAnswer {
  status: number;
  /** Lower-case names. */
  headers: readonly (readonly [string, string])[];
  body: string;
}

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
  private readonly breaker: CircuitBreaker<[URL, OutgoingRequest, number], ReceivedAnswer>;
  private readonly inFlight = new Map<string, Promise<ReceivedAnswer>>();

  constructor(private readonly options: SubgraphFetcherOptions) {
    this.breaker = new CircuitBreaker(
      (url: URL, request: OutgoingRequest, deadline: number) => this.attempt(url, request, deadline),
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
  }

  get circuitOpen(): boolean {
    return this.breaker.opened;
  }

  /** Stops the breaker's window timers. */
  shutdown(): void {
    this.breaker.shutdown();
  }

  /** Sends `request` to `url`; an HTTP error status is an answer too, a request that got none throws. */
  send(url: URL, request: OutgoingRequest): Promise<ReceivedAnswer> {
    if (!request.idempotent || !this.options.deduplicate) return this.guarded(url, request);
    const key = deduplicationKey(url, request);
    let shared = this.inFlight.get(key);
    if (!shared) {
      shared = this.guarded(url, request).finally(() => this.inFlight.delete(key));
      this.inFlight.set(key, shared);
    }
    return shared;
  }

  private async guarded(url: URL, request: OutgoingRequest): Promise<ReceivedAnswer> {
    const deadline = Date.now() + this.options.timeoutMs;
    try {
      return await this.breaker.fire(url, request, deadline);
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

  private async attempt(url: URL, request: OutgoingRequest, deadline: number): Promise<ReceivedAnswer> {
    const retries = request.idempotent ? this.options.retries : 0;
    for (let attempt = 0; ; attempt++) {
      try {
        const answer = await this.request(url, request, deadline);
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

  private async request(url: URL, request: OutgoingRequest, deadline: number): Promise<ReceivedAnswer> {
    const remaining = deadline - Date.now();
    if (remaining <= 0) throw new DeadlineError();
    const response = await this.options.agent.request({
      origin: url.origin,
      path: `${url.pathname}${url.search}`,
      method: 'POST',
      headers: request.headers,
      body: request.body,
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
function deduplicationKey(url: URL, request: OutgoingRequest): string {
  const caller = request.headers[GatewayProofHeader.CALLER] ?? '';
  return `${url.href}\n${caller}\n${request.body}`;
}
