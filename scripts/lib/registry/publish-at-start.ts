import type { RegistryPublishToken } from '../secrets';
import type { SubgraphSource } from '../supergraph';
import { RegistryError, registryClient } from './client';
import { createLauncherToken, launcherPublishTokens } from './launcher-tokens';

export type PublishOutcome =
  | { subgraph: string; kind: 'published' | 'unchanged'; version: number }
  | { subgraph: string; kind: 'failed'; reason: string };

export interface PublishAtStartResult {
  /** The launcher's publish token per subgraph now (to keep for the next start). */
  tokens: Record<string, RegistryPublishToken>;
  outcomes: PublishOutcome[];
}

export interface PublishAtStartOptions {
  registryUrl: string;
  adminToken: string;
  subgraphs: readonly SubgraphSource[];
  /** The tokens kept from the last start. */
  tokens: Readonly<Record<string, RegistryPublishToken>>;
  commit: string | null;
  /** Hears of each subgraph's outcome as it is known. */
  onOutcome?: (outcome: PublishOutcome) => void;
  timeoutMs?: number;
}

/**
 * Publishes each subgraph's SDL and URL with its own subgraph-scoped token, as a deploy pipeline
 * would. The same SDL and URL again is a no-op at the registry. A subgraph that extends another's
 * type composes only once that one is in, so what did not compose is tried again while a round
 * publishes anything; what still fails is reported, never thrown (the shop starts regardless).
 * Throws only when the registry cannot be administered at all (unreachable, admin token refused).
 */
export async function publishAtStart(options: PublishAtStartOptions): Promise<PublishAtStartResult> {
  const timeoutMs = options.timeoutMs ?? 15_000;
  const admin = registryClient(options.registryUrl, options.adminToken, timeoutMs);
  const names = options.subgraphs.map((subgraph) => subgraph.name);
  const tokens = await launcherPublishTokens(admin, names, options.tokens);
  const outcomes: PublishOutcome[] = [];
  const publishOne = async (subgraph: SubgraphSource, retryWithNewToken = true): Promise<PublishOutcome> => {
    const token = tokens[subgraph.name] as RegistryPublishToken;
    try {
      const answer = (await registryClient(options.registryUrl, token.token, timeoutMs).post('/publish', {
        subgraph: subgraph.name,
        url: subgraph.url,
        sdl: subgraph.sdl,
        commit: options.commit,
      })) as { status: 'published' | 'unchanged'; version: { id: number } };
      return { subgraph: subgraph.name, kind: answer.status, version: answer.version.id };
    } catch (error) {
      if (!(error instanceof RegistryError)) throw error;
      // Listed live yet refused: the registry's database was made anew and reused the id.
      if (error.status === 401 && retryWithNewToken) {
        tokens[subgraph.name] = await createLauncherToken(admin, subgraph.name);
        return publishOne(subgraph, false);
      }
      const details = error.details.length > 0 ? `: ${error.details.join('; ')}` : '';
      return { subgraph: subgraph.name, kind: 'failed', reason: `${error.message}${details}` };
    }
  };
  let pending = [...options.subgraphs];
  while (pending.length > 0) {
    // One after the other: each composes on the ones before it.
    const round: PublishOutcome[] = [];
    for (const subgraph of pending) round.push(await publishOne(subgraph));
    const failed = round.filter((outcome) => outcome.kind === 'failed');
    const settled =
      failed.length < pending.length ? round.filter((outcome) => outcome.kind !== 'failed') : round;
    for (const outcome of settled) {
      outcomes.push(outcome);
      options.onOutcome?.(outcome);
    }
    if (settled === round) break;
    pending = pending.filter((subgraph) => failed.some((outcome) => outcome.subgraph === subgraph.name));
  }
  return { tokens, outcomes };
}
