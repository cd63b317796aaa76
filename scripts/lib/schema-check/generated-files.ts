import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { type ClientArtifacts, clientArtifactFiles } from '../client-documents';
import { composedSchemaFiles, orphanedSnapshots } from '../schema-artifacts';
import type { SubgraphSource } from '../supergraph';
import type { StepResult } from './report';

const NAME = 'generated files';

/**
 * The committed schema files and client artifacts against what the generators would write
 * now: a stale one fails, saying which command regenerates it.
 */
export function checkGeneratedFiles(
  root: string,
  sources: readonly SubgraphSource[],
  composition: { supergraphSdl: string; apiSdl: string },
  client: ClientArtifacts | { error: string },
): StepResult {
  const stale: string[] = [];
  const compare = (expected: Map<string, string>, command: string) => {
    for (const [file, content] of expected) {
      const path = join(root, file);
      if (!existsSync(path)) stale.push(`${file} is missing: run ${command} and commit`);
      else if (readFileSync(path, 'utf8') !== content)
        stale.push(`${file} is stale: run ${command} and commit`);
    }
  };
  compare(composedSchemaFiles(sources, composition), 'npm run schema:compose');
  for (const file of orphanedSnapshots(root, sources))
    stale.push(`${file} is a snapshot of no subgraph: run npm run schema:compose and commit`);
  const notes: string[] = [];
  if ('error' in client) notes.push(`client documents not compared: ${client.error}`);
  else compare(clientArtifactFiles(client), 'npm run codegen');
  return {
    name: NAME,
    status: stale.length > 0 ? 'fail' : 'pass',
    summary: stale.length > 0 ? `${stale.length} out of date` : 'up to date',
    details: [...stale, ...notes],
  };
}
