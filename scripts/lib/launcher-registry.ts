import { join } from 'node:path';
import { headCommit } from './registry/head-commit';
import { type PublishOutcome, publishAtStart } from './registry/publish-at-start';
import { type RegistryService, type RegistryServiceOptions, startRegistryService } from './registry-service';
import { SUPERGRAPH_FILE } from './schema-artifacts';
import { type LocalSecrets, saveLocalSecrets } from './secrets';
import { REGISTRY, ROOT, SUBGRAPHS } from './services';
import { readSubgraphSources } from './supergraph';
import type { ServiceStatus } from './supervisor';

// The registry's part in `npm start`: started beside the subgraphs, the subgraphs published to it
// once they are up, and the gateway pointed at it. Nothing here stops the shop from starting: a
// registry that cannot start or take a publish is logged and the gateway serves the file.

export type LauncherLog = (level: 'info' | 'warn' | 'error', msg: string) => void;

/** The committed supergraph: what the gateway starts from when the registry cannot be read. */
export const FALLBACK_SUPERGRAPH = join(ROOT, SUPERGRAPH_FILE);

/** Starts the registry; undefined, with an error line saying why, when it cannot start. */
export async function startRegistryOrWarn(
  options: RegistryServiceOptions,
  log: LauncherLog,
): Promise<RegistryService | undefined> {
  try {
    return await startRegistryService(options);
  } catch (error) {
    log(
      'error',
      `the schema registry did not start: the shop runs without it, the gateway serves ${SUPERGRAPH_FILE} (${(error as Error).message})`,
    );
    return undefined;
  }
}

/** What the launcher's /health says of a registry that did not start: failed, as one given up on. */
export function registryNotStarted(): ServiceStatus {
  return {
    name: REGISTRY.name,
    state: 'failed',
    port: REGISTRY.port,
    pid: null,
    restarts: 0,
    lastExit: null,
  };
}

/**
 * Publishes every subgraph as it runs now (its SDL, its URL) with its own token, logs one line per
 * subgraph, and keeps the tokens in DATA_DIR for the next start. Never throws.
 */
export async function publishSubgraphsAtStart(options: {
  registryUrl: string;
  secrets: LocalSecrets;
  dataDir: string;
  subgraphUrls: Map<string, string>;
  log: LauncherLog;
}): Promise<PublishOutcome[]> {
  const { secrets, log } = options;
  const subgraphs = readSubgraphSources((spec) => options.subgraphUrls.get(spec.name) as string, SUBGRAPHS);
  try {
    const { tokens, outcomes } = await publishAtStart({
      registryUrl: options.registryUrl,
      adminToken: secrets.registryAdminToken,
      subgraphs,
      tokens: secrets.registryPublishTokens,
      commit: headCommit(),
      onOutcome: (outcome) => log(outcome.kind === 'failed' ? 'error' : 'info', describeOutcome(outcome)),
    });
    if (JSON.stringify(tokens) !== JSON.stringify(secrets.registryPublishTokens)) {
      secrets.registryPublishTokens = tokens;
      saveLocalSecrets(options.dataDir, secrets);
    }
    return outcomes;
  } catch (error) {
    log(
      'error',
      `publishing the subgraphs to the registry failed (${(error as Error).message}): the gateway serves the registry's last version, or ${SUPERGRAPH_FILE} if it has none`,
    );
    return subgraphs.map((subgraph) => ({
      subgraph: subgraph.name,
      kind: 'failed',
      reason: (error as Error).message,
    }));
  }
}

function describeOutcome(outcome: PublishOutcome): string {
  switch (outcome.kind) {
    case 'published':
      return `registry: ${outcome.subgraph} published as version ${outcome.version}`;
    case 'unchanged':
      return `registry: ${outcome.subgraph} unchanged (live version ${outcome.version})`;
    case 'failed':
      return `registry: publishing ${outcome.subgraph} failed (${outcome.reason}); the gateway serves the registry's last version without this change`;
    default:
      return outcome satisfies never;
  }
}

/**
 * The gateway's settings with a registry: its supergraph polled from the registry (ETag), started
 * from `fallbackPath` when the registry cannot be read at start, and its usage reported, signed.
 */
export function gatewayRegistryEnv(
  registryUrl: string,
  usageSecret: string,
  fallbackPath: string = FALLBACK_SUPERGRAPH,
): Record<string, string> {
  return {
    SUPERGRAPH_URL: `${registryUrl}/supergraph`,
    SUPERGRAPH_FALLBACK_PATH: fallbackPath,
    REGISTRY_URL: registryUrl,
    USAGE_REPORTING_SECRET: usageSecret,
  };
}
