import { createHash } from 'node:crypto';
import type { Caller } from '@shop/platform/auth';
import {
  type DocumentNode,
  type FieldNode,
  type FragmentDefinitionNode,
  type GraphQLCompositeType,
  getNamedType,
  isCompositeType,
  isInterfaceType,
  isObjectType,
  Kind,
  type OperationDefinitionNode,
  print,
  type SelectionNode,
  type SelectionSetNode,
} from 'graphql';
import { type AccessPolicy, type Denial, judge } from './access-rules';

/** An operation with the fields the caller may not see taken out, and what was taken out. */
export interface FilteredOperation {
  document: DocumentNode;
  source: string;
  queryHash: string;
  /** The client's field nodes that were taken out, and why. */
  removed: ReadonlyMap<FieldNode, Denial>;
  /** Response key of the `__typename` added to every selection set, so the answer can be completed per runtime type. */
  typenameKey: string;
}

/**
 * Takes the fields the caller may not see out of a validated document, so they are neither
 * planned nor fetched. Null when the caller may see everything (the document is used as it is).
 * Every selection set gets a `__typename` under a key of its own: it keeps selection sets that
 * lost all their fields valid and tells `completeResponse` each object's type.
 */
export function filterOperation(
  policy: AccessPolicy,
  document: DocumentNode,
  caller: Caller | null,
): FilteredOperation | null {
  if (!policy.protectsAnything) return null;
  const removed = new Map<FieldNode, Denial>();
  const typenameKey = freeResponseKey(print(document));
  const typename: FieldNode = {
    kind: Kind.FIELD,
    alias: { kind: Kind.NAME, value: typenameKey },
    name: { kind: Kind.NAME, value: '__typename' },
  };

  const filterSelectionSet = (
    selectionSet: SelectionSetNode,
    parent: GraphQLCompositeType,
  ): SelectionSetNode => {
    const selections: SelectionNode[] = [typename];
    for (const selection of selectionSet.selections) {
      const kept = filterSelection(selection, parent);
      if (kept) selections.push(kept);
    }
    return { ...selectionSet, selections };
  };

  const filterSelection = (selection: SelectionNode, parent: GraphQLCompositeType): SelectionNode | null => {
    switch (selection.kind) {
      case Kind.FIELD: {
        const name = selection.name.value;
        if (name.startsWith('__')) return selection;
        const field = isObjectType(parent) || isInterfaceType(parent) ? parent.getFields()[name] : undefined;
        if (!field) return selection;
        const denial = judge(policy.ruleFor(parent.name, name), caller);
        if (denial) {
          removed.set(selection, denial);
          return null;
        }
        const type = getNamedType(field.type);
        if (!selection.selectionSet || !isCompositeType(type)) return selection;
        return { ...selection, selectionSet: filterSelectionSet(selection.selectionSet, type) };
      }
      case Kind.INLINE_FRAGMENT: {
        const condition = selection.typeCondition
          ? policy.schema.getType(selection.typeCondition.name.value)
          : parent;
        if (!isCompositeType(condition)) return selection;
        return { ...selection, selectionSet: filterSelectionSet(selection.selectionSet, condition) };
      }
      case Kind.FRAGMENT_SPREAD:
        return selection;
    }
  };

  const definitions = document.definitions.map((definition) => {
    if (definition.kind === Kind.OPERATION_DEFINITION) {
      const root = policy.schema.getRootType(definition.operation);
      return root
        ? { ...definition, selectionSet: filterSelectionSet(definition.selectionSet, root) }
        : definition;
    }
    if (definition.kind === Kind.FRAGMENT_DEFINITION) {
      const condition = policy.schema.getType(definition.typeCondition.name.value);
      return isCompositeType(condition)
        ? { ...definition, selectionSet: filterSelectionSet(definition.selectionSet, condition) }
        : definition;
    }
    return definition;
  });
  if (removed.size === 0) return null;

  const filtered: DocumentNode = { ...document, definitions: withoutUnusedFragments(definitions) };
  const source = print(filtered);
  return {
    document: filtered,
    source,
    queryHash: createHash('sha256').update(source).digest('hex'),
    removed,
    typenameKey,
  };
}

/** A response key the client's document does not use. */
function freeResponseKey(source: string): string {
  let key = '_authzTypename';
  for (let suffix = 1; source.includes(key); suffix++) key = `_authzTypename${suffix}`;
  return key;
}

/** Fragments only spread inside fields that were taken out would make the document invalid. */
function withoutUnusedFragments(definitions: DocumentNode['definitions']): DocumentNode['definitions'] {
  const fragments = new Map<string, FragmentDefinitionNode>();
  for (const definition of definitions)
    if (definition.kind === Kind.FRAGMENT_DEFINITION) fragments.set(definition.name.value, definition);
  const used = new Set<string>();
  const pending: SelectionSetNode[] = definitions
    .filter(
      (definition): definition is OperationDefinitionNode => definition.kind === Kind.OPERATION_DEFINITION,
    )
    .map((operation) => operation.selectionSet);
  for (let selectionSet = pending.pop(); selectionSet; selectionSet = pending.pop()) {
    for (const selection of selectionSet.selections) {
      if (selection.kind === Kind.FRAGMENT_SPREAD) {
        const fragment = fragments.get(selection.name.value);
        if (fragment && !used.has(fragment.name.value)) {
          used.add(fragment.name.value);
          pending.push(fragment.selectionSet);
        }
      } else if (selection.selectionSet) pending.push(selection.selectionSet);
    }
  }
  return definitions.filter(
    (definition) => definition.kind !== Kind.FRAGMENT_DEFINITION || used.has(definition.name.value),
  );
}
