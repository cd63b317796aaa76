import { composeServices } from '@apollo/composition';
import { buildASTSchema, type GraphQLError, parse, printSchema, Source } from 'graphql';

export interface SubgraphSource {
  name: string;
  url: string;
  sdl: string;
  /** Where the SDL was read from, relative to the checkout; composition errors point there. */
  file?: string;
}

// The gateway serves @defer (answers in parts): clients' operations validate against an API that says so.
const DEFER_DIRECTIVE = parse(
  'directive @defer(label: String, if: Boolean! = true) on FRAGMENT_SPREAD | INLINE_FRAGMENT',
).definitions;

export type Composition =
  | { ok: true; supergraphSdl: string; apiSdl: string; hints: string[] }
  | { ok: false; errors: string[] };

/**
 * Composes with @apollo/composition, the same library the gateway's query planner and rover use:
 * `npm run schema:compose`, the offline check and the registry all compose through this.
 */
export function composeSupergraph(sources: readonly SubgraphSource[]): Composition {
  const services = [];
  const errors: string[] = [];
  for (const source of sources) {
    try {
      const typeDefs = parse(new Source(source.sdl, source.file ?? `${source.name}.graphql`));
      services.push({ name: source.name, url: source.url, typeDefs });
    } catch (error) {
      errors.push(`[${source.name}] ${(error as Error).message}${locationsOf(error as GraphQLError)}`);
    }
  }
  if (errors.length > 0) return { ok: false, errors };
  const result = composeServices(services);
  if (result.errors) return { ok: false, errors: result.errors.map(describeCompositionError) };
  // Through the AST: composition's graphql-js objects may come from another copy of graphql (vitest).
  const api = result.schema.toAPISchema().toAST();
  return {
    ok: true,
    supergraphSdl: result.supergraphSdl,
    apiSdl: printSchema(buildASTSchema({ ...api, definitions: [...api.definitions, ...DEFER_DIRECTIVE] })),
    hints: result.hints.map((hint) => hint.toString()),
  };
}

/** `[CODE] message (at file:line, …)`: the code to look up, the message naming the subgraphs, where to look. */
function describeCompositionError(error: GraphQLError): string {
  const code = error.extensions.code;
  return `${typeof code === 'string' ? `[${code}] ` : ''}${error.message}${locationsOf(error)}`;
}

function locationsOf(error: GraphQLError): string {
  const places = new Set<string>();
  for (const node of error.nodes ?? []) {
    // The line of the name, not of the description above it.
    const loc = ('name' in node && node.name?.loc) || node.loc;
    if (loc) places.add(`${loc.source.name}:${loc.startToken.line}`);
  }
  if (places.size === 0 && error.source && error.locations?.[0])
    places.add(`${error.source.name}:${error.locations[0].line}`);
  return places.size > 0 ? ` (at ${[...places].join(', ')})` : '';
}
