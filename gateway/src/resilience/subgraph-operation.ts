import {
  type DirectiveNode,
  type FragmentDefinitionNode,
  Kind,
  type OperationTypeNode,
  parse,
  type SelectionSetNode,
} from 'graphql';

/** A field a subgraph request asks for at its top: its response key, and when it is skipped. */
export interface RequestedField {
  key: string;
  /** `@skip`/`@include` on it (or on the fragment it sits in), if any. */
  conditions: readonly DirectiveNode[];
}

/** What the gateway needs to know of an operation it sends to a subgraph. */
export interface SubgraphOperation {
  type: OperationTypeNode;
  /** The root fields (response keys), or for an `_entities` fetch the fields asked of each entity type. */
  rootFields: readonly RequestedField[];
  entityFields: ReadonlyMap<string, readonly RequestedField[]> | null;
}

const MAX_REMEMBERED = 2000;
// The planner sends the same few texts over and over: each is parsed once (a bounded memory).
const remembered = new Map<string, SubgraphOperation>();

/** Reads the operation a query plan sends to a subgraph (its text as the planner printed it). */
export function readSubgraphOperation(query: string): SubgraphOperation {
  const known = remembered.get(query);
  if (known) return known;
  const document = parse(query, { noLocation: true });
  const fragments = new Map<string, FragmentDefinitionNode>();
  for (const definition of document.definitions)
    if (definition.kind === Kind.FRAGMENT_DEFINITION) fragments.set(definition.name.value, definition);
  const operation = document.definitions.find((definition) => definition.kind === Kind.OPERATION_DEFINITION);
  if (!operation || operation.kind !== Kind.OPERATION_DEFINITION)
    throw new Error('a subgraph request without an operation');
  const rootFields = topFields(operation.selectionSet, fragments);
  const entities = operation.selectionSet.selections.find(
    (selection) => selection.kind === Kind.FIELD && selection.name.value === '_entities',
  );
  let entityFields: Map<string, RequestedField[]> | null = null;
  if (entities?.kind === Kind.FIELD && entities.selectionSet) {
    entityFields = new Map();
    collectByType(entities.selectionSet, fragments, entityFields, null, []);
  }
  const read: SubgraphOperation = { type: operation.operation, rootFields, entityFields };
  if (remembered.size >= MAX_REMEMBERED) remembered.clear();
  remembered.set(query, read);
  return read;
}

function topFields(
  selectionSet: SelectionSetNode,
  fragments: ReadonlyMap<string, FragmentDefinitionNode>,
  inherited: readonly DirectiveNode[] = [],
  seen = new Set<string>(),
): RequestedField[] {
  const fields: RequestedField[] = [];
  for (const selection of selectionSet.selections) {
    const conditions = [...inherited, ...conditionsOf(selection.directives)];
    switch (selection.kind) {
      case Kind.FIELD: {
        const key = selection.alias?.value ?? selection.name.value;
        if (key !== '__typename' && !seen.has(key)) {
          seen.add(key);
          fields.push({ key, conditions });
        }
        break;
      }
      case Kind.INLINE_FRAGMENT:
        fields.push(...topFields(selection.selectionSet, fragments, conditions, seen));
        break;
      case Kind.FRAGMENT_SPREAD: {
        const fragment = fragments.get(selection.name.value);
        if (fragment) fields.push(...topFields(fragment.selectionSet, fragments, conditions, seen));
        break;
      }
    }
  }
  return fields;
}

/** The fields of `_entities { ... on A { … } ... on B { … } }`, by type condition. */
function collectByType(
  selectionSet: SelectionSetNode,
  fragments: ReadonlyMap<string, FragmentDefinitionNode>,
  byType: Map<string, RequestedField[]>,
  typeName: string | null,
  inherited: readonly DirectiveNode[],
): void {
  for (const selection of selectionSet.selections) {
    const conditions = [...inherited, ...conditionsOf(selection.directives)];
    switch (selection.kind) {
      case Kind.FIELD:
        if (typeName) addField(byType, typeName, selection.alias?.value ?? selection.name.value, conditions);
        break;
      case Kind.INLINE_FRAGMENT:
        collectByType(
          selection.selectionSet,
          fragments,
          byType,
          selection.typeCondition?.name.value ?? typeName,
          conditions,
        );
        break;
      case Kind.FRAGMENT_SPREAD: {
        const fragment = fragments.get(selection.name.value);
        if (fragment)
          collectByType(
            fragment.selectionSet,
            fragments,
            byType,
            fragment.typeCondition.name.value,
            conditions,
          );
        break;
      }
    }
  }
}

function addField(
  byType: Map<string, RequestedField[]>,
  typeName: string,
  key: string,
  conditions: readonly DirectiveNode[],
): void {
  if (key === '__typename') return;
  const fields = byType.get(typeName) ?? [];
  if (!fields.some((field) => field.key === key)) fields.push({ key, conditions });
  byType.set(typeName, fields);
}

function conditionsOf(directives: readonly DirectiveNode[] | undefined): DirectiveNode[] {
  return (directives ?? []).filter(
    (directive) => directive.name.value === 'skip' || directive.name.value === 'include',
  );
}

/** Whether a field with these `@skip`/`@include` conditions is part of the answer, given the request's variables. */
export function isRequested(field: RequestedField, variables: Readonly<Record<string, unknown>>): boolean {
  for (const directive of field.conditions) {
    const argument = directive.arguments?.find((candidate) => candidate.name.value === 'if');
    if (!argument) continue;
    const value =
      argument.value.kind === Kind.BOOLEAN
        ? argument.value.value
        : argument.value.kind === Kind.VARIABLE
          ? variables[argument.value.name.value] === true
          : false;
    if (directive.name.value === 'skip' ? value : !value) return false;
  }
  return true;
}
