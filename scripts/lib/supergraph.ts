import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { SubgraphSource } from '@shop/platform/schema';
import { localSubgraphUrl, ROOT, type ServiceSpec, SUBGRAPHS } from './services';

export { type Composition, composeSupergraph, type SubgraphSource } from '@shop/platform/schema';

/** Each subgraph's SDL as written next to its resolvers, with the URL the supergraph should route to. */
export function readSubgraphSources(
  urlOf: (spec: ServiceSpec) => string = (spec) => localSubgraphUrl(spec),
  specs: readonly ServiceSpec[] = SUBGRAPHS,
  root: string = ROOT,
): SubgraphSource[] {
  return specs.map((spec) => {
    const file = `${spec.dir}/src/schema.graphql`;
    return { name: spec.name, url: urlOf(spec), sdl: readFileSync(join(root, file), 'utf8'), file };
  });
}
