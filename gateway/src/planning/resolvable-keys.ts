import { createRequire } from 'node:module';
import { federationMetadata, parseFieldSetArgument, type Schema } from '@apollo/federation-internals';

/**
 * A correction to Apollo's query planner (2.14), applied in each planner thread before planning.
 *
 * After a `@requires`, the planner goes back to the requiring subgraph with an `_entities` fetch
 * keyed by `getLocallySatisfiableKey`: the type's first `@key` in that subgraph whose fields are
 * not external. It does not look at `resolvable`, so when a `resolvable: false` key comes first,
 * the plan sends representations the subgraph cannot resolve (the audit's keys-mashup: the
 * subgraph answers null and the field fails). Here the first key that is both local and
 * resolvable is preferred; with none, the planner's own answer stands, so every plan that did
 * not use a non-resolvable key is the same as before.
 */
export function preferResolvableKeys(): void {
  // The planner reads the function through this module's exports on every call (CommonJS).
  const graphPath = createRequire(import.meta.url)('@apollo/query-graphs/dist/graphPath') as {
    getLocallySatisfiableKey: LocallySatisfiableKey & { resolvableFirst?: true };
  };
  const original = graphPath.getLocallySatisfiableKey;
  if (original.resolvableFirst) return;
  const corrected: LocallySatisfiableKey & { resolvableFirst?: true } = (graph, typeVertex) =>
    firstResolvableLocalKey(graph, typeVertex) ?? original(graph, typeVertex);
  corrected.resolvableFirst = true;
  graphPath.getLocallySatisfiableKey = corrected;
}

interface TypeVertex {
  type: Parameters<typeof parseFieldSetArgument>[0]['parentType'];
  source: string;
}

type LocallySatisfiableKey = (
  graph: { sources: ReadonlyMap<string, Schema> },
  typeVertex: TypeVertex,
) => ReturnType<typeof parseFieldSetArgument> | undefined;

function firstResolvableLocalKey(
  graph: { sources: ReadonlyMap<string, Schema> },
  { type, source }: TypeVertex,
): ReturnType<typeof parseFieldSetArgument> | undefined {
  const schema = graph.sources.get(source);
  const metadata = schema ? federationMetadata(schema) : undefined;
  if (!metadata) return undefined;
  for (const key of type.appliedDirectivesOf(metadata.keyDirective())) {
    if (key.arguments().resolvable === false) continue;
    const selection = parseFieldSetArgument({ parentType: type, directive: key });
    if (!metadata.selectionSelectsAnyExternalField(selection)) return selection;
  }
  return undefined;
}
