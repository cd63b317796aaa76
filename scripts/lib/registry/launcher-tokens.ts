import type { RegistryPublishToken } from '../secrets';
import type { RegistryClient } from './client';

/** The label of the publish tokens the launcher makes for itself, one live per subgraph. */
export const LAUNCHER_TOKEN_LABEL = 'npm start';

interface ListedToken {
  id: number;
  subgraph: string;
  label: string;
  revokedAt: string | null;
}

/**
 * One live publish token per subgraph for the launcher: the stored one while the registry still
 * lists it live for that subgraph, a new one otherwise; every other live launcher token of those
 * subgraphs (a start that crashed before it stored its new one) is revoked, so none pile up.
 */
export async function launcherPublishTokens(
  admin: RegistryClient,
  subgraphs: readonly string[],
  stored: Readonly<Record<string, RegistryPublishToken>>,
): Promise<Record<string, RegistryPublishToken>> {
  const { tokens } = (await admin.get('/tokens')) as { tokens: ListedToken[] };
  const live = tokens.filter((token) => token.revokedAt === null);
  const current: Record<string, RegistryPublishToken> = {};
  for (const subgraph of subgraphs) {
    const kept = stored[subgraph];
    current[subgraph] =
      kept && live.some((token) => token.id === kept.id && token.subgraph === subgraph)
        ? kept
        : await createLauncherToken(admin, subgraph);
  }
  for (const token of live)
    if (
      token.label === LAUNCHER_TOKEN_LABEL &&
      subgraphs.includes(token.subgraph) &&
      current[token.subgraph]?.id !== token.id
    )
      await admin.post('/tokens/revoke', { id: token.id });
  return current;
}

export async function createLauncherToken(
  admin: RegistryClient,
  subgraph: string,
): Promise<RegistryPublishToken> {
  const created = (await admin.post('/tokens', {
    subgraph,
    label: LAUNCHER_TOKEN_LABEL,
  })) as RegistryPublishToken;
  return { id: created.id, token: created.token };
}
