import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import type { SubgraphSource } from './supergraph';

export const SUPERGRAPH_FILE = 'schema/supergraph.graphql';
export const API_SCHEMA_FILE = 'schema/api.graphql';
export const SUBGRAPH_SNAPSHOTS_DIR = 'schema/subgraphs';

/**
 * What `npm run schema:compose` writes, by path relative to the checkout: the supergraph the
 * gateway serves, the API schema clients see, and a snapshot of each subgraph's SDL.
 * `schema:check` compares the committed files with exactly this.
 */
export function composedSchemaFiles(
  sources: readonly SubgraphSource[],
  composition: { supergraphSdl: string; apiSdl: string },
): Map<string, string> {
  const files = new Map<string, string>([
    [SUPERGRAPH_FILE, composition.supergraphSdl],
    [API_SCHEMA_FILE, `${composition.apiSdl}\n`],
  ]);
  for (const source of sources) files.set(`${SUBGRAPH_SNAPSHOTS_DIR}/${source.name}.graphql`, source.sdl);
  return files;
}

/** Snapshots in `schema/subgraphs/` of subgraphs that are no longer composed. */
export function orphanedSnapshots(root: string, sources: readonly SubgraphSource[]): string[] {
  const dir = join(root, SUBGRAPH_SNAPSHOTS_DIR);
  if (!existsSync(dir)) return [];
  const names = new Set(sources.map((source) => `${source.name}.graphql`));
  return readdirSync(dir)
    .filter((file) => file.endsWith('.graphql') && !names.has(file))
    .sort()
    .map((file) => `${SUBGRAPH_SNAPSHOTS_DIR}/${file}`);
}
