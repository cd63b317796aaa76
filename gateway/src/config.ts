import { fileURLToPath } from 'node:url';
import { loadConfig, portEnv, serviceEnv, subgraphUrlVariable } from '@shop/platform/config';
import { z } from 'zod';

const DEFAULT_SUPERGRAPH = fileURLToPath(new URL('../../schema/supergraph.graphql', import.meta.url));
const DEFAULT_OPERATIONS_DIR = fileURLToPath(new URL('../../schema/operations', import.meta.url));

const gatewayEnv = z.object({
  ...serviceEnv,
  PORT: portEnv(4000),
  /** The supergraph to serve; `--supergraph <path>` on the command line wins. Any valid supergraph works. */
  SUPERGRAPH_PATH: z.string().min(1).default(DEFAULT_SUPERGRAPH),
  /** Largest request body accepted; larger ones get 413 before anything is parsed. */
  BODY_LIMIT_BYTES: z.coerce
    .number()
    .int()
    .min(1024)
    .default(1024 * 1024),
  /** The GraphQL IDE at GET /: on by default except in production, where `true` turns it on. */
  PLAYGROUND_ENABLED: z
    .enum(['true', 'false'], { message: 'must be true or false' })
    .optional()
    .transform((value) => (value === undefined ? undefined : value === 'true')),
  /** Folder of client operations (`.graphql`) the playground offers ready to run. */
  PLAYGROUND_OPERATIONS_DIR: z.string().min(1).default(DEFAULT_OPERATIONS_DIR),
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
