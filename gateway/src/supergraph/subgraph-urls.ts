import { type DocumentNode, Kind, valueFromASTUntyped } from 'graphql';

/** Subgraph name -> URL, as composed into the supergraph's `join__Graph` enum. */
export function composedSubgraphUrls(document: DocumentNode): Map<string, string> {
  const urls = new Map<string, string>();
  for (const definition of document.definitions) {
    if (definition.kind !== Kind.ENUM_TYPE_DEFINITION || definition.name.value !== 'join__Graph') continue;
    for (const value of definition.values ?? [])
      for (const directive of value.directives ?? []) {
        if (directive.name.value !== 'join__graph') continue;
        const args = new Map(
          (directive.arguments ?? []).map((argument) => [
            argument.name.value,
            valueFromASTUntyped(argument.value),
          ]),
        );
        const name = args.get('name');
        const url = args.get('url');
        if (typeof name === 'string' && typeof url === 'string') urls.set(name, url);
      }
  }
  return urls;
}
