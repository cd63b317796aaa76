import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { composeServices } from '@apollo/composition';
import { parse, printSchema } from 'graphql';
import { localSubgraphUrl, ROOT, type ServiceSpec, SUBGRAPHS } from './services';

export interface SubgraphSource {
  name: string;
  url: string;
  sdl: string;
}

export type Composition =
  | { ok: true; supergraphSdl: string; apiSdl: string; hints: string[] }
  | { ok: false; errors: string[] };

/** Each subgraph's SDL as written next to its resolvers, with the URL the supergraph should route to. */
export function readSubgraphSources(
  urlOf: (spec: ServiceSpec) => string = (spec) => localSubgraphUrl(spec),
  specs: readonly ServiceSpec[] = SUBGRAPHS,
): SubgraphSource[] {
  return specs.map((spec) => ({
    name: spec.name,
    url: urlOf(spec),
    sdl: readFileSync(join(ROOT, spec.dir, 'src/schema.graphql'), 'utf8'),
  }));
}

/** Composes with @apollo/composition, the same library the gateway's query planner and rover use. */
export function composeSupergraph(sources: readonly SubgraphSource[]): Composition {
  const services = [];
  const errors: string[] = [];
  for (const source of sources) {
    try {
      services.push({ name: source.name, url: source.url, typeDefs: parse(source.sdl) });
    } catch (error) {
      errors.push(`[${source.name}] ${(error as Error).message}`);
    }
  }
  if (errors.length > 0) return { ok: false, errors };
  const result = composeServices(services);
  if (result.errors) return { ok: false, errors: result.errors.map((error) => error.message) };
  return {
    ok: true,
    supergraphSdl: result.supergraphSdl,
    apiSdl: printSchema(result.schema.toAPISchema().toGraphQLJSSchema()),
    hints: result.hints.map((hint) => hint.toString()),
  };
}
