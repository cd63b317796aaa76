import { z } from 'zod';

const limit = (fallback: number) => z.coerce.number().int().min(1).default(fallback);

/** A comma-separated list; empty entries are dropped. */
const list = z
  .string()
  .default('')
  .transform((value) =>
    value
      .split(',')
      .map((entry) => entry.trim())
      .filter((entry) => entry.length > 0),
  );

/**
 * The gateway's security settings: where access tokens are verified, which browser origins may
 * call, and the limits every operation must stay within. Each default lets every operation a
 * storefront or an admin tool sends pass (see README, "Gateway security").
 */
export const gatewaySecurityEnv = {
  /**
   * Public keys that sign access tokens. Unset: `/.well-known/jwks.json` at the origin of the
   * supergraph's `accounts` subgraph (http://127.0.0.1:4001 in the embedded layout).
   */
  JWKS_URL: z.url({ protocol: /^https?$/, message: 'must be an http(s) URL' }).optional(),
  /**
   * How long a fetched JWKS is used before it is fetched again. While that fails the last good
   * one stays in use, however old (an accounts outage must not log everyone out).
   */
  JWKS_CACHE_MAX_AGE_SECONDS: z.coerce.number().min(1).max(86_400).default(600),
  /** Least time between two fetches of the JWKS (a token with an unknown `kid` asks for one). */
  JWKS_REFETCH_COOLDOWN_SECONDS: z.coerce.number().min(0).max(3600).default(30),
  /** The `iss` every access token must carry. */
  JWT_ISSUER: z.string().min(1).default('shop-accounts'),
  /** The `aud` every access token must carry. */
  JWT_AUDIENCE: z.string().min(1).default('shop-supergraph'),
  /** Browser origins allowed to call the API (`https://shop.example,https://admin.example`, or `*`); none by default. */
  CORS_ORIGINS: list.pipe(
    z.array(
      z.string().refine((origin) => origin === '*' || /^https?:\/\/[^/\s]+$/.test(origin), {
        message: 'each origin must be * or scheme://host[:port], without a path',
      }),
    ),
  ),
  /** Deepest field nesting an operation may have (fragments expanded). */
  MAX_DEPTH: limit(15),
  /** Most aliased fields an operation may have (fragments expanded). */
  MAX_ALIASES: limit(30),
  /** Most fields an operation may select at its root. */
  MAX_ROOT_FIELDS: limit(20),
  /** Most lexical tokens in a query document (graphql's parser `maxTokens`). */
  MAX_TOKENS: limit(3000),
  /** Most directives an operation may use (fragments expanded). */
  MAX_DIRECTIVES: limit(50),
  /** Most times one field (response key) may be selected in one selection set, fragments expanded. */
  MAX_REPEATED_FIELD: limit(20),
  /** Highest estimated cost an operation may have (demand control, from `@cost` and `@listSize`). */
  MAX_COST: limit(5000),
  /**
   * Most subscriptions one WebSocket connection may hold at once; one more is refused
   * (`MAX_SUBSCRIPTIONS_PER_CONNECTION_LIMIT`). Each holds a socket to its subgraph.
   */
  MAX_SUBSCRIPTIONS_PER_CONNECTION: z.coerce.number().int().min(1).max(1000).default(20),
  /**
   * Most subscriptions one user may hold at once on this gateway, over all their connections; one
   * more is refused (`MAX_SUBSCRIPTIONS_PER_USER_LIMIT`). Anonymous callers are bounded per connection.
   */
  MAX_SUBSCRIPTIONS_PER_USER: z.coerce.number().int().min(1).max(10_000).default(50),
  /**
   * Seconds a WebSocket connection may stay open without a running subscription before the
   * gateway closes it (1000, "idle"): a socket opened and left costs a slot for nothing.
   */
  WEBSOCKET_IDLE_TIMEOUT_SECONDS: z.coerce.number().positive().max(86_400).default(300),
  /** Assumed length of a list whose size neither a slicing argument nor `@listSize` tells. */
  DEFAULT_LIST_SIZE: limit(10),
  /**
   * Longest the query planner may take over one operation (as the Router's planning timeout): a
   * plan not made by then is refused (`MAX_PLANNING_TIME_LIMIT`), at once for the next 5 minutes.
   */
  MAX_PLANNING_TIME_MS: z.coerce.number().int().min(10).max(60_000).default(2000),
  /** Largest query plan (bytes of its JSON) an operation may have; a larger one is refused (`MAX_PLAN_SIZE_LIMIT`). */
  MAX_PLAN_BYTES: z.coerce
    .number()
    .int()
    .min(1024)
    .default(256 * 1024),
};
