import { availableParallelism } from 'node:os';
import { z } from 'zod';

const positiveInt = (fallback: number) => z.coerce.number().int().min(1).default(fallback);
const flag = (fallback: boolean) =>
  z
    .enum(['true', 'false'], { message: 'must be true or false' })
    .default(fallback ? 'true' : 'false')
    .transform((value) => value === 'true');

/**
 * How the gateway talks to subgraphs, survives their failures, caches and scales. Every default
 * suits the embedded mode (see README, "Performance, caching and resilience").
 */
export const gatewayPerformanceEnv = {
  /** Longest a subgraph request may take, retries included; `SUBGRAPH_<NAME>_TIMEOUT_MS` overrides it per subgraph. */
  SUBGRAPH_TIMEOUT_MS: z.coerce.number().int().min(10).max(300_000).default(5000),
  /** Further attempts of a query whose connection failed (never of a mutation). */
  SUBGRAPH_RETRIES: z.coerce.number().int().min(0).max(5).default(2),
  /** Most open connections to one subgraph. */
  SUBGRAPH_CONNECTIONS: positiveInt(64),
  /** Idle kept-alive connections are closed after this long: below the subgraphs' own 65 s, so they never close one in use. */
  SUBGRAPH_KEEP_ALIVE_SECONDS: z.coerce.number().int().min(1).max(3600).default(60),
  /** Identical queries in flight to one subgraph for the same caller share one request. */
  SUBGRAPH_DEDUPLICATE: flag(true),
  /** Entity fetches to one subgraph that are ready together, from any operations of the same caller, go as one request. */
  SUBGRAPH_BATCHING: flag(true),
  /** Share of failed requests (in the window) that opens a subgraph's circuit. */
  CIRCUIT_ERROR_PERCENT: z.coerce.number().min(1).max(100).default(50),
  /** Requests a window must have seen before its share of failures can open the circuit. */
  CIRCUIT_MIN_REQUESTS: positiveInt(5),
  /** The window failures are counted in. */
  CIRCUIT_WINDOW_MS: z.coerce.number().int().min(100).max(600_000).default(10_000),
  /** How long an open circuit fails fast before one request probes the subgraph again. */
  CIRCUIT_RESET_MS: z.coerce.number().int().min(50).max(600_000).default(2000),
  /** Cache public (and per-user private) responses as the subgraphs' `@cacheControl` hints allow. */
  RESPONSE_CACHE: flag(true),
  /** Upper bound on how long any response stays cached, whatever the hints say: the staleness bound. */
  RESPONSE_CACHE_MAX_AGE_SECONDS: z.coerce.number().int().min(1).max(86_400).default(30),
  /** Size of the in-memory cache (without REDIS_URL), in bytes of cached responses. */
  RESPONSE_CACHE_MAX_BYTES: positiveInt(64 * 1024 * 1024),
  /** Keep cached responses in this Redis instead of in memory (shared by every gateway process). */
  REDIS_URL: z.url({ protocol: /^rediss?$/, message: 'must be a redis:// or rediss:// URL' }).optional(),
  /** Prefix of every key the gateway writes to Redis. */
  REDIS_KEY_PREFIX: z.string().min(1).max(100).default('shop:gateway:'),
  /** Threads that make query plans, off the event loop; each holds a query planner of its own. */
  QUERY_PLANNER_THREADS: z.coerce.number().int().min(1).max(64).default(1),
  /** Operations that may wait for a planner thread; past this many, new ones are refused (503) until it drains. */
  QUERY_PLANNER_QUEUE: z.coerce.number().int().min(1).max(10_000).default(100),
  /** Gateway processes serving the port: `1`, a number, or `auto` (one per core). */
  GATEWAY_WORKERS: z
    .union([z.literal('auto'), z.coerce.number().int().min(1).max(256)])
    .default(1)
    .transform((value) => (value === 'auto' ? availableParallelism() : value)),
};
