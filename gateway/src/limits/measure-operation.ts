import {
  type DocumentNode,
  type FragmentDefinitionNode,
  type GraphQLNamedType,
  type GraphQLSchema,
  getNamedType,
  isInterfaceType,
  isListType,
  isNonNullType,
  isObjectType,
  Kind,
  type OperationDefinitionNode,
  type SelectionSetNode,
  type ValueNode,
  valueFromASTUntyped,
} from 'graphql';
import type { CostModel } from './cost-model';

/** How big an operation is once its fragments are expanded. */
export interface OperationMeasure {
  depth: number;
  aliases: number;
  rootFields: number;
  directives: number;
  /** Demand control's estimate (see CostModel). */
  cost: number;
}

/** A fragment that spreads itself, directly or through others. */
export class FragmentCycleError extends Error {
  constructor(readonly fragment: string) {
    super(`Cannot spread fragment "${fragment}" within itself.`);
  }
}

interface SelectionMeasure {
  depth: number;
  aliases: number;
  fields: number;
  directives: number;
  cost: number;
}

const NOTHING: SelectionMeasure = { depth: 0, aliases: 0, fields: 0, directives: 0, cost: 0 };

function add(a: SelectionMeasure, b: SelectionMeasure): SelectionMeasure {
  return {
    depth: Math.max(a.depth, b.depth),
    aliases: a.aliases + b.aliases,
    fields: a.fields + b.fields,
    directives: a.directives + b.directives,
    cost: a.cost + b.cost,
  };
}

/**
 * Measures an operation as it would execute, fragments expanded, without expanding them: each
 * fragment is measured once per list-size context and reused, so fragments that fan out
 * exponentially cost linear work (their counts just grow past the limits), and a fragment cycle
 * is found on the way. Runs before validation, so it tolerates unknown fields and fragments.
 */
export function measureOperation(
  schema: GraphQLSchema,
  model: CostModel,
  document: DocumentNode,
  operation: OperationDefinitionNode,
  variables: Readonly<Record<string, unknown>>,
): OperationMeasure {
  const fragments = new Map<string, FragmentDefinitionNode>();
  for (const definition of document.definitions)
    if (definition.kind === Kind.FRAGMENT_DEFINITION) fragments.set(definition.name.value, definition);
  const variableValues: Record<string, unknown> = {};
  for (const definition of operation.variableDefinitions ?? []) {
    const name = definition.variable.name.value;
    variableValues[name] =
      name in variables
        ? variables[name]
        : definition.defaultValue
          ? valueFromASTUntyped(definition.defaultValue)
          : undefined;
  }
  const literal = (node: ValueNode): unknown => valueFromASTUntyped(node, variableValues);
  const memo = new Map<string, SelectionMeasure>();
  const inProgress = new Set<string>();
  const mutationRoot = operation.operation === 'mutation';

  const measureSelectionSet = (
    selectionSet: SelectionSetNode,
    parent: GraphQLNamedType | undefined,
    sizes: ReadonlyMap<string, number>,
    isRoot: boolean,
  ): SelectionMeasure => {
    let total = NOTHING;
    for (const selection of selectionSet.selections) {
      const directives = selection.directives?.length ?? 0;
      switch (selection.kind) {
        case Kind.FIELD: {
          const name = selection.name.value;
          const field =
            isObjectType(parent) || isInterfaceType(parent) ? parent.getFields()[name] : undefined;
          const type = field ? getNamedType(field.type) : undefined;
          const argumentValues = new Map(
            (selection.arguments ?? []).map((argument) => [argument.name.value, literal(argument.value)]),
          );
          const requested = field ? model.requestedSize(field, argumentValues) : null;
          const childSizes = new Map<string, number>();
          const isList = field
            ? isListType(isNonNullType(field.type) ? field.type.ofType : field.type)
            : false;
          if (requested?.size != null && !isList)
            for (const sized of requested.sizedFields) childSizes.set(sized, requested.size);
          const child = selection.selectionSet
            ? measureSelectionSet(selection.selectionSet, type, childSizes, false)
            : NOTHING;
          let cost = child.cost;
          if (field && type) {
            const each = model.fieldWeight(field, type, isRoot && mutationRoot) + child.cost;
            const size = isList ? (sizes.get(name) ?? requested?.size ?? model.defaultListSize) : 1;
            cost = model.argumentWeight(field, new Set(argumentValues.keys())) + size * each;
          }
          total = add(total, {
            depth: 1 + child.depth,
            aliases: (selection.alias ? 1 : 0) + child.aliases,
            fields: 1,
            directives: directives + child.directives,
            cost,
          });
          break;
        }
        case Kind.INLINE_FRAGMENT: {
          const condition = selection.typeCondition
            ? schema.getType(selection.typeCondition.name.value)
            : parent;
          const inner = measureSelectionSet(selection.selectionSet, condition, sizes, isRoot);
          total = add(total, { ...inner, directives: directives + inner.directives });
          break;
        }
        case Kind.FRAGMENT_SPREAD: {
          const inner = measureFragment(selection.name.value, sizes, isRoot);
          total = add(total, { ...inner, directives: directives + inner.directives });
          break;
        }
      }
    }
    return total;
  };

  const measureFragment = (
    name: string,
    sizes: ReadonlyMap<string, number>,
    isRoot: boolean,
  ): SelectionMeasure => {
    const fragment = fragments.get(name);
    if (!fragment) return NOTHING;
    const key = `${name}|${isRoot}|${[...sizes].join(',')}`;
    const known = memo.get(key);
    if (known) return known;
    if (inProgress.has(name)) throw new FragmentCycleError(name);
    inProgress.add(name);
    const condition = schema.getType(fragment.typeCondition.name.value);
    const measured = measureSelectionSet(fragment.selectionSet, condition, sizes, isRoot);
    const own = fragment.directives?.length ?? 0;
    inProgress.delete(name);
    const result = { ...measured, directives: own + measured.directives };
    memo.set(key, result);
    return result;
  };

  const root = schema.getRootType(operation.operation) ?? undefined;
  const measured = measureSelectionSet(operation.selectionSet, root, new Map(), true);
  const operationDirectives =
    (operation.directives?.length ?? 0) +
    (operation.variableDefinitions ?? []).reduce(
      (count, definition) => count + (definition.directives?.length ?? 0),
      0,
    );
  return {
    depth: measured.depth,
    aliases: measured.aliases,
    rootFields: measured.fields,
    directives: measured.directives + operationDirectives,
    cost: measured.cost,
  };
}
