import {
  type DirectiveNode,
  type DocumentNode,
  Kind,
  parse,
  print,
  valueFromASTUntyped,
  visit,
} from 'graphql';

/** Specs a stock @apollo/gateway refuses (`for: SECURITY` features it does not implement). */
const TAKEN_OUT = ['https://specs.apollo.dev/authenticated/', 'https://specs.apollo.dev/requiresScopes/'];

/**
 * The supergraph as a stock @apollo/gateway can load it: without the `@authenticated` and
 * `@requiresScopes` links, their directives and their scalar (it refuses SECURITY features it
 * does not enforce), and with each subgraph's URL where the benchmark runs it. Nothing the
 * benchmark's anonymous storefront operations touch changes.
 */
export function stockSupergraph(supergraphSdl: string, urls: ReadonlyMap<string, string>): string {
  const document = parse(supergraphSdl);
  const prefixes = takenOutNames(document);
  const owned = (name: string) =>
    prefixes.some((prefix) => name === prefix || name.startsWith(`${prefix}__`));
  return print(
    visit(document, {
      Directive(node) {
        if (node.name.value === 'link' && TAKEN_OUT.some((spec) => linkUrl(node).startsWith(spec)))
          return null;
        return owned(node.name.value) ? null : undefined;
      },
      DirectiveDefinition: (node) => (owned(node.name.value) ? null : undefined),
      ScalarTypeDefinition: (node) => (owned(node.name.value) ? null : undefined),
      EnumValueDefinition(node) {
        const graph = node.directives?.find((directive) => directive.name.value === 'join__graph');
        if (!graph) return undefined;
        const name = argument(graph, 'name');
        const url = typeof name === 'string' ? urls.get(name) : undefined;
        if (!url) return undefined;
        return {
          ...node,
          directives: node.directives?.map((directive) =>
            directive === graph
              ? {
                  ...graph,
                  arguments: graph.arguments?.map((arg) =>
                    arg.name.value === 'url' ? { ...arg, value: { kind: Kind.STRING, value: url } } : arg,
                  ),
                }
              : directive,
          ),
        };
      },
    }),
  );
}

/** The names the taken-out specs go by in this supergraph (`authenticated`, `requiresScopes`, or their `as:`). */
function takenOutNames(document: DocumentNode): string[] {
  const names: string[] = [];
  for (const definition of document.definitions) {
    if (definition.kind !== Kind.SCHEMA_DEFINITION && definition.kind !== Kind.SCHEMA_EXTENSION) continue;
    for (const directive of definition.directives ?? []) {
      const url = linkUrl(directive);
      if (directive.name.value !== 'link' || !TAKEN_OUT.some((spec) => url.startsWith(spec))) continue;
      const as = argument(directive, 'as');
      names.push(typeof as === 'string' ? as : (url.split('/').at(-2) ?? ''));
    }
  }
  return names.filter((name) => name.length > 0);
}

function linkUrl(directive: DirectiveNode): string {
  const url = argument(directive, 'url');
  return typeof url === 'string' ? url : '';
}

function argument(directive: DirectiveNode, name: string): unknown {
  const node = directive.arguments?.find((arg) => arg.name.value === name);
  return node ? valueFromASTUntyped(node.value) : undefined;
}
