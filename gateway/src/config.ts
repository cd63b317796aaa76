import { fileURLToPath } from 'node:url';
import { MIN_GATEWAY_SECRET_LENGTH } from '@shop/platform/auth';
import {
  loadConfig,
  portEnv,
  serviceEnv,
  subgraphSecretVariable,
  subgraphUrlVariable,
} from '@shop/platform/config';
import type { Logger } from '@shop/platform/logger';
import { z } from 'zod';
import { gatewayPerformanceEnv } from './performance-config';
import { gatewaySecurityEnv } from './security-config';
import { gatewayUsageEnv } from './usage/usage-config';

const DEFAULT_SUPERGRAPH = fileURLToPath(new URL('../../schema/supergraph.graphql', import.meta.url));
const DEFAULT_PERSISTED_OPERATIONS = fileURLToPath(
  new URL('../../schema/persisted-operations.json', import.meta.url),
);

const gatewayEnv = z.object({
  ...serviceEnv,
  PORT: portEnv(4000),
  /**
   * Serve `/metrics` on this port only (not on PORT, where it is then 404). Set by every launcher
   * (`npm start`: 4050, start:distributed: each gateway's port + 50), compose and Kubernetes (9464);
   * unset (a gateway started alone), `/metrics` is on PORT.
   */
  METRICS_PORT: z.coerce.number().int().min(0).max(65535).optional(),
  /** The supergraph to serve; `--supergraph <path>` on the command line wins. Any valid supergraph works. */
  SUPERGRAPH_PATH: z.string().min(1).default(DEFAULT_SUPERGRAPH),
  /** Fetch the supergraph from this URL (polled) instead of reading SUPERGRAPH_PATH. */
  SUPERGRAPH_URL: z.url({ protocol: /^https?$/, message: 'must be an http(s) URL' }).optional(),
  /**
   * With SUPERGRAPH_URL: the supergraph file to start from when the URL (the registry) cannot be
   * read at start; unset, the gateway waits for it. Replaced once the URL answers.
   */
  SUPERGRAPH_FALLBACK_PATH: z.string().min(1).optional(),
  /** How often SUPERGRAPH_URL is polled, and the file re-read in case a change event was missed. */
  SUPERGRAPH_POLL_SECONDS: z.coerce.number().positive().max(3600).default(10),
  /** `off`; `log`: operations not in the manifest are logged; `safelist`: only they run. */
  PERSISTED_OPERATIONS: z.enum(['off', 'log', 'safelist']).default('off'),
  /** The persisted operation manifest (Apollo's format) for `log` and `safelist`; the playground offers its operations. */
  PERSISTED_OPERATIONS_MANIFEST: z.string().min(1).default(DEFAULT_PERSISTED_OPERATIONS),
  /** Largest request body accepted; larger ones get 413 before anything is parsed. */
  BODY_LIMIT_BYTES: z.coerce
    .number()
    .int()
    .min(1024)
    .default(1024 * 1024),
  /** Proxies in front of the gateway that append to X-Forwarded-For: how far back the client's address is. */
  TRUSTED_PROXY_HOPS: z.coerce.number().int().min(0).max(10).default(0),
  ...gatewaySecurityEnv,
  ...gatewayPerformanceEnv,
  ...gatewayUsageEnv,
  /** The GraphQL IDE at GET /: on by default except in production, where `true` turns it on. */
  PLAYGROUND_ENABLED: z
    .enum(['true', 'false'], { message: 'must be true or false' })
    .optional()
    .transform((value) => (value === undefined ? undefined : value === 'true')),
});

const SUBGRAPH_URL_VARIABLE = /^SUBGRAPH_[A-Z0-9_]+_URL$/;
const httpUrl = z.url({ protocol: /^https?$/, message: 'must be an http(s) URL' });

/**
 * `SUBGRAPH_<NAME>_URL` overrides where a subgraph of the supergraph is reached: deployments do
 * not run on the URLs composed into the file. Keyed by variable name (see `subgraphUrlVariable`).
 */
function readSubgraphUrlOverrides(env: NodeJS.ProcessEnv): Map<string, string> {
  const variables = Object.keys(env).filter((variable) => SUBGRAPH_URL_VARIABLE.test(variable));
  const parsed = loadConfig(
    'gateway',
    z.object(Object.fromEntries(variables.map((variable) => [variable, httpUrl]))),
    env,
  );
  return new Map(variables.map((variable) => [variable, String(parsed[variable])]));
}

const SUBGRAPH_SECRET_VARIABLE = /^SUBGRAPH_[A-Z0-9_]+_SECRET$/;
const gatewaySecret = z
  .string()
  .min(MIN_GATEWAY_SECRET_LENGTH, `must be at least ${MIN_GATEWAY_SECRET_LENGTH} characters long`);

/** `SUBGRAPH_<NAME>_SECRET`: what the gateway signs its requests to that subgraph with. Keyed by variable name. */
function readSubgraphSecrets(env: NodeJS.ProcessEnv): Map<string, string> {
  const variables = Object.keys(env).filter((variable) => SUBGRAPH_SECRET_VARIABLE.test(variable));
  const parsed = loadConfig(
    'gateway',
    z.object(Object.fromEntries(variables.map((variable) => [variable, gatewaySecret]))),
    env,
  );
  return new Map(variables.map((variable) => [variable, String(parsed[variable])]));
}

const SUBGRAPH_TIMEOUT_VARIABLE = /^SUBGRAPH_[A-Z0-9_]+_TIMEOUT_MS$/;
const timeoutMs = z.coerce.number().int().min(10).max(300_000);

/** `SUBGRAPH_<NAME>_TIMEOUT_MS`: a subgraph's own request timeout, instead of SUBGRAPH_TIMEOUT_MS. Keyed by variable name. */
function readSubgraphTimeouts(env: NodeJS.ProcessEnv): Map<string, number> {
  const variables = Object.keys(env).filter((variable) => SUBGRAPH_TIMEOUT_VARIABLE.test(variable));
  const parsed = loadConfig(
    'gateway',
    z.object(Object.fromEntries(variables.map((variable) => [variable, timeoutMs]))),
    env,
  );
  return new Map(variables.map((variable) => [variable, Number(parsed[variable])]));
}

function supergraphFlag(argv: readonly string[]): { SUPERGRAPH_PATH?: string } {
  const index = argv.indexOf('--supergraph');
  const path = index === -1 ? undefined : argv[index + 1];
  return path ? { SUPERGRAPH_PATH: path } : {};
}

export function loadGatewayConfig(
  env: NodeJS.ProcessEnv = process.env,
  argv: readonly string[] = process.argv,
) {
  return {
    ...loadConfig('gateway', gatewayEnv, { ...env, ...supergraphFlag(argv) }),
    subgraphUrlOverrides: readSubgraphUrlOverrides(env),
    subgraphSecrets: readSubgraphSecrets(env),
    subgraphTimeouts: readSubgraphTimeouts(env),
  };
}

export type GatewayConfig = ReturnType<typeof loadGatewayConfig>;

/** Where the gateway sends a subgraph's requests: the override if there is one, else the supergraph's URL. */
export function subgraphUrl(
  config: GatewayConfig,
  subgraph: string,
  composedUrl: string | undefined,
): string {
  const url = config.subgraphUrlOverrides.get(subgraphUrlVariable(subgraph)) ?? composedUrl;
  if (!url)
    throw new Error(
      `the supergraph gives no URL for subgraph ${subgraph}; set ${subgraphUrlVariable(subgraph)}`,
    );
  return url;
}

/**
 * The secret the gateway signs subgraph `subgraph`'s requests with. Without one its requests go
 * unsigned: a subgraph of this system then refuses them all (a foreign one may not care), so
 * the gateway says so at start.
 */
export function subgraphSecret(config: GatewayConfig, subgraph: string, logger: Logger): string | undefined {
  const secret = config.subgraphSecrets.get(subgraphSecretVariable(subgraph));
  if (secret === undefined)
    logger.warn(
      `${subgraphSecretVariable(subgraph)} is not set: requests to subgraph ${subgraph} go without the gateway's proof`,
    );
  return secret;
}

/** How long a request to subgraph `subgraph` may take, retries included. */
export function subgraphTimeoutMs(config: GatewayConfig, subgraph: string): number {
  return config.subgraphTimeouts.get(subgraphTimeoutVariable(subgraph)) ?? config.SUBGRAPH_TIMEOUT_MS;
}

/** `SUBGRAPH_<NAME>_TIMEOUT_MS`, NAME spelled as in `SUBGRAPH_<NAME>_URL`. */
export function subgraphTimeoutVariable(subgraph: string): string {
  return subgraphUrlVariable(subgraph).replace(/_URL$/, '_TIMEOUT_MS');
}
