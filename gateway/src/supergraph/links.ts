import { type ConstDirectiveNode, type DocumentNode, Kind, valueFromASTUntyped } from 'graphql';

/** A spec the supergraph links with `@link(url:, as:, import:, for:)`, and the names it goes by in the schema. */
export interface LinkedSpec {
  /** The spec's URL without its version, e.g. `https://specs.apollo.dev/cost`. */
  identity: string;
  version: string;
  /** The spec's own name (last segment of its identity). */
  name: string;
  /** The prefix its non-imported elements carry (`as:`, else its name). */
  nameInSchema: string;
  purpose: string | null;
  /** Imported directives: spec name (`listSize`) -> name in the schema. */
  imports: ReadonlyMap<string, string>;
  node: ConstDirectiveNode;
}

const SPEC_URL = /^(?<identity>.+)\/(?<name>[^/]+)\/v(?<version>\d+\.\d+)$/;

/** Every `@link` on the supergraph's schema definition (or extension). */
export function readLinks(document: DocumentNode): LinkedSpec[] {
  const links: LinkedSpec[] = [];
  for (const definition of document.definitions) {
    if (definition.kind !== Kind.SCHEMA_DEFINITION && definition.kind !== Kind.SCHEMA_EXTENSION) continue;
    for (const directive of definition.directives ?? []) {
      if (directive.name.value !== 'link') continue;
      const args = Object.fromEntries(
        (directive.arguments ?? []).map((argument) => [
          argument.name.value,
          valueFromASTUntyped(argument.value),
        ]),
      );
      const match = typeof args.url === 'string' ? SPEC_URL.exec(args.url) : null;
      if (!match?.groups) continue;
      const { identity, name, version } = match.groups as { identity: string; name: string; version: string };
      links.push({
        identity: `${identity}/${name}`,
        version,
        name,
        nameInSchema: typeof args.as === 'string' ? args.as : name,
        purpose: typeof args.for === 'string' ? args.for : null,
        imports: readImports(args.import),
        node: directive,
      });
    }
  }
  return links;
}

function readImports(value: unknown): Map<string, string> {
  const imports = new Map<string, string>();
  if (!Array.isArray(value)) return imports;
  for (const entry of value) {
    if (typeof entry === 'string' && entry.startsWith('@')) imports.set(entry.slice(1), entry.slice(1));
    if (typeof entry === 'object' && entry !== null && 'name' in entry) {
      const { name, as } = entry as { name: unknown; as?: unknown };
      if (typeof name === 'string' && name.startsWith('@'))
        imports.set(name.slice(1), typeof as === 'string' ? as.replace(/^@/, '') : name.slice(1));
    }
  }
  return imports;
}

/** The name a directive of a linked spec has in the schema, following the link spec's naming rules. */
export function directiveNameInSchema(spec: LinkedSpec, directive: string): string {
  const imported = spec.imports.get(directive);
  if (imported) return imported;
  return directive === spec.name ? spec.nameInSchema : `${spec.nameInSchema}__${directive}`;
}
