import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { ROOT } from './lib/services';
import { composeSupergraph, readSubgraphSources } from './lib/supergraph';

/**
 * `npm run schema:compose`: composes the subgraphs' SDL into schema/supergraph.graphql (what
 * the gateway serves), schema/api.graphql (what clients see) and a snapshot of each
 * subgraph's SDL. Fails with the composition errors when the subgraphs do not compose.
 */
const sources = readSubgraphSources();
const composition = composeSupergraph(sources);
if (!composition.ok) {
  console.error(`The subgraphs do not compose (${composition.errors.length} errors):`);
  for (const error of composition.errors) console.error(`  - ${error}`);
  process.exit(1);
}
for (const hint of composition.hints) console.error(`hint: ${hint}`);
const schemaDir = join(ROOT, 'schema');
mkdirSync(join(schemaDir, 'subgraphs'), { recursive: true });
writeFileSync(join(schemaDir, 'supergraph.graphql'), composition.supergraphSdl);
writeFileSync(join(schemaDir, 'api.graphql'), `${composition.apiSdl}\n`);
for (const source of sources)
  writeFileSync(join(schemaDir, 'subgraphs', `${source.name}.graphql`), source.sdl);
console.error(`composed ${sources.length} subgraphs into schema/supergraph.graphql and schema/api.graphql`);
