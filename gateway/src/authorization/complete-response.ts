import {
  type DocumentNode,
  type FieldNode,
  type FragmentDefinitionNode,
  GraphQLError,
  GraphQLIncludeDirective,
  type GraphQLObjectType,
  type GraphQLOutputType,
  GraphQLSkipDirective,
  getDirectiveValues,
  getNamedType,
  getOperationAST,
  getVariableValues,
  isAbstractType,
  isCompositeType,
  isListType,
  isNonNullType,
  isObjectType,
  Kind,
  type SelectionNode,
  type SelectionSetNode,
} from 'graphql';
import type { AccessPolicy, Denial } from './access-rules';
import type { FilteredOperation } from './filter-operation';

const MESSAGES: Record<Denial, string> = {
  UNAUTHENTICATED: 'You must be logged in to see this field.',
  FORBIDDEN: 'You are not allowed to see this field.',
};

type Path = readonly (string | number)[];
type ResponseObject = Record<string, unknown>;

/**
 * Puts back, as the client asked for them, the fields `filterOperation` took out: each comes
 * back `null` with an UNAUTHENTICATED or FORBIDDEN error at its path (a non-null one nulls its
 * nearest nullable parent, as GraphQL does), and the `__typename`s it added are dropped again.
 */
export function completeResponse(
  policy: AccessPolicy,
  original: DocumentNode,
  operationName: string | null | undefined,
  variables: Record<string, unknown>,
  filtered: FilteredOperation,
  data: ResponseObject | null | undefined,
): { data: ResponseObject | null | undefined; errors: GraphQLError[] } {
  const errors: GraphQLError[] = [];
  const operation = getOperationAST(original, operationName);
  const root = operation ? policy.schema.getRootType(operation.operation) : undefined;
  if (!operation || !root || !data) return { data, errors };
  const coerced = getVariableValues(policy.schema, operation.variableDefinitions ?? [], variables);
  const variableValues = coerced.coerced ?? variables;
  const fragments = new Map<string, FragmentDefinitionNode>();
  for (const definition of original.definitions)
    if (definition.kind === Kind.FRAGMENT_DEFINITION) fragments.set(definition.name.value, definition);

  const included = (node: SelectionNode): boolean => {
    if (getDirectiveValues(GraphQLSkipDirective, node, variableValues)?.if === true) return false;
    return getDirectiveValues(GraphQLIncludeDirective, node, variableValues)?.if !== false;
  };
  const applies = (typeCondition: string | undefined, type: GraphQLObjectType): boolean => {
    if (!typeCondition || typeCondition === type.name) return true;
    const condition = policy.schema.getType(typeCondition);
    return condition !== undefined && isAbstractType(condition) && policy.schema.isSubType(condition, type);
  };
  const collectFields = (
    type: GraphQLObjectType,
    selectionSets: readonly SelectionSetNode[],
    fields = new Map<string, FieldNode[]>(),
    visited = new Set<string>(),
  ): Map<string, FieldNode[]> => {
    for (const selectionSet of selectionSets)
      for (const selection of selectionSet.selections) {
        if (!included(selection)) continue;
        switch (selection.kind) {
          case Kind.FIELD: {
            const key = selection.alias?.value ?? selection.name.value;
            fields.set(key, [...(fields.get(key) ?? []), selection]);
            break;
          }
          case Kind.INLINE_FRAGMENT:
            if (applies(selection.typeCondition?.name.value, type))
              collectFields(type, [selection.selectionSet], fields, visited);
            break;
          case Kind.FRAGMENT_SPREAD: {
            const fragment = fragments.get(selection.name.value);
            if (!fragment || visited.has(fragment.name.value)) break;
            visited.add(fragment.name.value);
            if (applies(fragment.typeCondition.name.value, type))
              collectFields(type, [fragment.selectionSet], fields, visited);
            break;
          }
        }
      }
    return fields;
  };

  /** Completes one object; true when it must become null (a non-null field of it was taken out). */
  const completeObject = (
    object: ResponseObject,
    selectionSets: readonly SelectionSetNode[],
    staticType: GraphQLObjectType | null,
    path: Path,
  ): boolean => {
    const typeName = object[filtered.typenameKey];
    delete object[filtered.typenameKey];
    const named = typeof typeName === 'string' ? policy.schema.getType(typeName) : staticType;
    const type = isObjectType(named) ? named : staticType;
    if (!type) return false;
    let mustBeNull = false;
    for (const [key, nodes] of collectFields(type, selectionSets)) {
      const name = nodes[0]?.name.value ?? '';
      const field = type.getFields()[name];
      if (!field) continue;
      const kept = nodes.filter((node) => !filtered.removed.has(node));
      if (kept.length === 0) {
        if (key in object) continue;
        const denial = filtered.removed.get(nodes[0] as FieldNode) ?? 'FORBIDDEN';
        object[key] = null;
        errors.push(
          new GraphQLError(MESSAGES[denial], { path: [...path, key], extensions: { code: denial } }),
        );
        if (isNonNullType(field.type)) mustBeNull = true;
        continue;
      }
      const value = object[key];
      const subSelections = kept.flatMap((node) => (node.selectionSet ? [node.selectionSet] : []));
      if (value === null || value === undefined || subSelections.length === 0) continue;
      if (completeValue(value, field.type, subSelections, [...path, key])) {
        object[key] = null;
        if (isNonNullType(field.type)) mustBeNull = true;
      }
    }
    return mustBeNull;
  };

  const completeValue = (
    value: unknown,
    type: GraphQLOutputType,
    selectionSets: readonly SelectionSetNode[],
    path: Path,
  ): boolean => {
    const nullable = isNonNullType(type) ? type.ofType : type;
    if (isListType(nullable)) {
      if (!Array.isArray(value)) return false;
      let mustBeNull = false;
      value.forEach((item: unknown, index) => {
        if (item === null || !completeValue(item, nullable.ofType, selectionSets, [...path, index])) return;
        value[index] = null;
        if (isNonNullType(nullable.ofType)) mustBeNull = true;
      });
      return mustBeNull;
    }
    const named = getNamedType(nullable);
    if (!isCompositeType(named) || typeof value !== 'object' || value === null) return false;
    return completeObject(value as ResponseObject, selectionSets, isObjectType(named) ? named : null, path);
  };

  // A non-null root field taken out nulls `data` itself, as GraphQL does.
  const dataIsNull = completeObject(data, [operation.selectionSet], root, []);
  return { data: dataIsNull ? null : data, errors };
}
