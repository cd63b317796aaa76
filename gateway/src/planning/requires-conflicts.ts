import {
  type DocumentNode,
  type FieldNode,
  type GraphQLCompositeType,
  type GraphQLSchema,
  getNamedType,
  isAbstractType,
  isCompositeType,
  isObjectType,
  isUnionType,
  Kind,
  parse,
  print,
  type SelectionSetNode,
  visit,
} from 'graphql';

/**
 * A correction to Apollo's query planner (2.14): a field the client selects under the same
 * response name as a field some `@requires` needs, with other arguments, is lost. The planner
 * merges the two into one subgraph selection and keeps only the required arguments, so
 * `feed { author comments(limit: 1) }`, where `author` requires `comments(limit: 3)`, answers
 * three comments (the audit's requires-with-argument). Before planning, such a client field is
 * given an alias of its own; the planner then fetches both, and the answer is shaped back under
 * the client's name (`renames`). Operations without such a field are planned as they are.
 */
export class RequiresConflicts {
  /** Per type name: the fields its `@requires` field sets select, nested. */
  private readonly required = new Map<string, RequiredLevel>();

  constructor(
    private readonly apiSchema: GraphQLSchema,
    supergraphSdl: string,
  ) {
    for (const definition of parse(supergraphSdl).definitions) {
      if (!('fields' in definition) || definition.kind === Kind.INPUT_OBJECT_TYPE_DEFINITION) continue;
      if (definition.kind === Kind.INPUT_OBJECT_TYPE_EXTENSION) continue;
      for (const field of definition.fields ?? []) {
        for (const directive of field.directives ?? []) {
          if (directive.name.value !== 'join__field') continue;
          const requires = directive.arguments?.find((argument) => argument.name.value === 'requires');
          if (requires?.value.kind !== Kind.STRING) continue;
          let level = this.required.get(definition.name.value);
          if (!level) {
            level = new Map();
            this.required.set(definition.name.value, level);
          }
          addRequired(level, parseFieldSet(requires.value.value));
        }
      }
    }
  }

  /** The document with conflicting client fields aliased, or null when it has none. */
  rewrite(document: DocumentNode): RewrittenOperation | null {
    if (this.required.size === 0) return null;
    const names = new Set<string>();
    visit(document, {
      Field: (field) => {
        names.add(field.name.value);
        if (field.alias) names.add(field.alias.value);
      },
    });
    const aliases = new Map<string, string>();
    const renames = new Map<string, string>();
    const aliasFor = (field: FieldNode): string => {
      const responseName = field.alias?.value ?? field.name.value;
      const key = `${responseName}\n${fieldSignature(field)}`;
      let alias = aliases.get(key);
      if (!alias) {
        let index = 0;
        while (names.has(`${responseName}__asked${index}`)) index++;
        alias = `${responseName}__asked${index}`;
        names.add(alias);
        aliases.set(key, alias);
        renames.set(alias, responseName);
      }
      return alias;
    };
    // Named fragments are read in place (a spread's fields meet the required ones where it is spread).
    const expanded = inlineFragments(document);
    if (!expanded) return null;
    const definitions = expanded.definitions.map((definition) => {
      if (definition.kind !== Kind.OPERATION_DEFINITION) return definition;
      const root = this.apiSchema.getRootType(definition.operation);
      if (!root) return definition;
      return {
        ...definition,
        selectionSet: this.rewriteSelectionSet(definition.selectionSet, root, undefined, aliasFor),
      };
    });
    if (renames.size === 0) return null;
    const rewritten: DocumentNode = { kind: Kind.DOCUMENT, definitions };
    return { document: rewritten, source: print(rewritten), renames };
  }

  private rewriteSelectionSet(
    selectionSet: SelectionSetNode,
    type: GraphQLCompositeType,
    inherited: RequiredLevel | undefined,
    aliasFor: (field: FieldNode) => string,
  ): SelectionSetNode {
    const level = mergeLevels(this.requiredOn(type), inherited);
    const selections = selectionSet.selections.map((selection) => {
      if (selection.kind === Kind.INLINE_FRAGMENT) {
        const condition = selection.typeCondition
          ? this.apiSchema.getType(selection.typeCondition.name.value)
          : type;
        if (!condition || !isCompositeType(condition)) return selection;
        return {
          ...selection,
          selectionSet: this.rewriteSelectionSet(selection.selectionSet, condition, inherited, aliasFor),
        };
      }
      if (selection.kind !== Kind.FIELD || selection.name.value.startsWith('__')) return selection;
      const responseName = selection.alias?.value ?? selection.name.value;
      const required = level?.get(responseName);
      const conflicts =
        required !== undefined &&
        (selection.name.value !== responseName ||
          required.signatures.size > 1 ||
          !required.signatures.has(fieldSignature(selection)));
      const field = conflicts
        ? { ...selection, alias: { kind: Kind.NAME, value: aliasFor(selection) } as const }
        : selection;
      if (!field.selectionSet) return field;
      const definition = isUnionType(type) ? undefined : type.getFields()[field.name.value];
      const fieldType = definition ? getNamedType(definition.type) : undefined;
      if (!fieldType || !isCompositeType(fieldType)) return field;
      return {
        ...field,
        selectionSet: this.rewriteSelectionSet(
          field.selectionSet,
          fieldType,
          conflicts ? undefined : required?.children,
          aliasFor,
        ),
      };
    });
    return { ...selectionSet, selections };
  }

  /** What the @requires of a type select: its own, its interfaces' and, when abstract, its implementations'. */
  private requiredOn(type: GraphQLCompositeType): RequiredLevel | undefined {
    const related = isAbstractType(type)
      ? this.apiSchema.getPossibleTypes(type)
      : isObjectType(type)
        ? type.getInterfaces()
        : [];
    let level = this.required.get(type.name);
    for (const other of related) level = mergeLevels(level, this.required.get(other.name));
    return level;
  }
}

export interface RewrittenOperation {
  document: DocumentNode;
  source: string;
  /** Alias given here → the client's response name. */
  renames: ReadonlyMap<string, string>;
}

interface RequiredField {
  /** Arguments as printed: the client's field shares the required one only with the same. */
  signatures: Set<string>;
  children: RequiredLevel;
}

type RequiredLevel = Map<string, RequiredField>;

function parseFieldSet(fields: string): SelectionSetNode {
  const document = parse(`{${fields}}`);
  const [definition] = document.definitions;
  if (definition?.kind !== Kind.OPERATION_DEFINITION) throw new Error(`not a field set: ${fields}`);
  return definition.selectionSet;
}

function addRequired(level: RequiredLevel, selectionSet: SelectionSetNode): void {
  for (const selection of selectionSet.selections) {
    if (selection.kind === Kind.INLINE_FRAGMENT) {
      addRequired(level, selection.selectionSet);
      continue;
    }
    if (selection.kind !== Kind.FIELD) continue;
    let field = level.get(selection.name.value);
    if (!field) {
      field = { signatures: new Set(), children: new Map() };
      level.set(selection.name.value, field);
    }
    field.signatures.add(fieldSignature(selection));
    if (selection.selectionSet) addRequired(field.children, selection.selectionSet);
  }
}

function fieldSignature(field: FieldNode): string {
  const args = [...(field.arguments ?? [])].sort((a, b) => a.name.value.localeCompare(b.name.value));
  return `${field.name.value}(${args.map((argument) => `${argument.name.value}:${print(argument.value)}`).join(',')})`;
}

function mergeLevels(a: RequiredLevel | undefined, b: RequiredLevel | undefined): RequiredLevel | undefined {
  if (!a || a.size === 0) return b;
  if (!b || b.size === 0) return a;
  const merged: RequiredLevel = new Map(a);
  for (const [name, field] of b) {
    const known = merged.get(name);
    merged.set(
      name,
      known
        ? {
            signatures: new Set([...known.signatures, ...field.signatures]),
            children: mergeLevels(known.children, field.children) ?? new Map(),
          }
        : field,
    );
  }
  return merged;
}

/** The document with every fragment spread replaced by an inline fragment of its fragment; null on a cycle. */
function inlineFragments(document: DocumentNode): DocumentNode | null {
  const fragments = new Map(
    document.definitions.flatMap((definition) =>
      definition.kind === Kind.FRAGMENT_DEFINITION ? [[definition.name.value, definition] as const] : [],
    ),
  );
  const inline = (selectionSet: SelectionSetNode, seen: readonly string[]): SelectionSetNode | null => {
    const selections = [];
    for (const selection of selectionSet.selections) {
      if (selection.kind === Kind.FRAGMENT_SPREAD) {
        const name = selection.name.value;
        const fragment = fragments.get(name);
        if (!fragment || seen.includes(name)) return null;
        const inner = inline(fragment.selectionSet, [...seen, name]);
        if (!inner) return null;
        selections.push({
          kind: Kind.INLINE_FRAGMENT,
          typeCondition: fragment.typeCondition,
          directives: selection.directives,
          selectionSet: inner,
        } as const);
      } else if (selection.selectionSet) {
        const inner = inline(selection.selectionSet, seen);
        if (!inner) return null;
        selections.push({ ...selection, selectionSet: inner });
      } else {
        selections.push(selection);
      }
    }
    return { ...selectionSet, selections };
  };
  const definitions = [];
  for (const definition of document.definitions) {
    if (definition.kind === Kind.FRAGMENT_DEFINITION) continue;
    if (definition.kind !== Kind.OPERATION_DEFINITION) {
      definitions.push(definition);
      continue;
    }
    const selectionSet = inline(definition.selectionSet, []);
    if (!selectionSet) return null;
    definitions.push({ ...definition, selectionSet });
  }
  return { kind: Kind.DOCUMENT, definitions };
}
