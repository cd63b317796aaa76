import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { composedSchemaFiles, orphanedSnapshots } from './lib/schema-artifacts';
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
for (const [file, content] of composedSchemaFiles(sources, composition)) {
  mkdirSync(dirname(join(ROOT, file)), { recursive: true });
  writeFileSync(join(ROOT, file), content);
}
// A snapshot of a subgraph that is gone would tell a reader it is still part of the graph.
for (const file of orphanedSnapshots(ROOT, sources)) {
  rmSync(join(ROOT, file));
  console.error(`removed ${file} (no such subgraph)`);
}
console.error(`composed ${sources.length} subgraphs into schema/supergraph.graphql and schema/api.graphql`);
