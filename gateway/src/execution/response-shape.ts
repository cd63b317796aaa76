import {
  type CompositeType,
  type EnumType,
  ERRORS,
  type FieldSelection,
  isCompositeType,
  isListType,
  isNonNullType,
  isObjectType,
  isSubtype,
  isValidLeafValue,
  type Operation,
  type OutputType,
  parseSelectionSet,
  type ScalarType,
  type Schema,
  type SelectionSet,
  Variable,
} from '@apollo/federation-internals';
import type { GraphQLError } from 'graphql';
import { getOwn, type ResultObject } from './result-data';

/**
 * The client's operation compiled once per plan into what shaping its answer needs: which keys
 * to write in which order, their types, and their `@skip`/`@include` conditions. Shaping then
 * walks the fetched data once (the stock gateway's `computeResponse`, without reading the
 * operation's directives and types again on every request).
 */
export interface ResponseShape {
  root: SelectionShape[];
  rootType: CompositeType;
  defaultedVariables: Record<string, unknown>;
  /** Type-condition answers, worked out once per (condition, type). */
  applies: (condition: CompositeType, type: CompositeType) => boolean;
}

/** `true`/`false` literal, or the name of a Boolean variable. */
type IfValue = boolean | string;

interface Conditions {
  skip: IfValue | null;
  include: IfValue | null;
}

type TypeShape =
  | { kind: 'nonNull'; of: TypeShape }
  | { kind: 'list'; of: TypeShape; printed: string }
  | { kind: 'composite'; type: CompositeType; printed: string }
  | { kind: 'leaf'; type: ScalarType | EnumType; printed: string };

type SelectionShape =
  | {
      kind: 'field';
      conditions: Conditions;
      responseName: string;
      /** Where the fetched data has it: the response name, or the alias the plan gave it. */
      inputName: string;
      type: TypeShape;
      selections: SelectionShape[] | null;
    }
  | { kind: 'typename'; conditions: Conditions; responseName: string }
  | { kind: 'introspection'; conditions: Conditions; responseName: string; selection: FieldSelection }
  | {
      kind: 'fragment';
      conditions: Conditions;
      /** `@defer`'s `if`: left out of the first part of an answer delivered in parts when on; null when not deferred. */
      deferred: IfValue | null;
      typeCondition: CompositeType | undefined;
      selections: SelectionShape[];
    };

/** `renames`: aliases the plan gave client fields → the client's response names (see RequiresConflicts). */
export function compileResponseShape(
  operation: Operation,
  renames: ReadonlyMap<string, string> = new Map(),
): ResponseShape {
  const schema = operation.schema();
  const rootType = schema.schemaDefinition.rootType(operation.rootKind);
  if (!rootType) throw new Error(`the schema has no ${operation.rootKind} type`);
  const answers = new Map<CompositeType, Map<CompositeType, boolean>>();
  return {
    root: compileSelectionSet(schema, operation.selectionSet, renames),
    rootType,
    defaultedVariables: operation.collectDefaultedVariableValues(),
    applies(condition, type) {
      let byType = answers.get(condition);
      if (!byType) {
        byType = new Map();
        answers.set(condition, byType);
      }
      let answer = byType.get(type);
      if (answer === undefined) {
        answer = isSubtype(condition, type);
        byType.set(type, answer);
      }
      return answer;
    },
  };
}

function compileSelectionSet(
  schema: Schema,
  selectionSet: SelectionSet,
  renames: ReadonlyMap<string, string>,
): SelectionShape[] {
  return selectionSet.selections().map((selection): SelectionShape => {
    const conditions: Conditions = {
      skip: ifValue(selection.element.appliedDirectivesOf(schema.skipDirective())[0]),
      include: ifValue(selection.element.appliedDirectivesOf(schema.includeDirective())[0]),
    };
    if (selection.kind === 'FragmentSelection') {
      const defer = selection.element.appliedDirectivesOf(schema.deferDirective())[0];
      return {
        kind: 'fragment',
        conditions,
        deferred: defer ? (ifValue(defer) ?? true) : null,
        typeCondition: selection.element.typeCondition,
        selections: compileSelectionSet(schema, selection.selectionSet, renames),
      };
    }
    const field = selection.element;
    const responseName = field.responseName();
    if (field.definition.isSchemaIntrospectionField())
      return { kind: 'introspection', conditions, responseName, selection };
    if (field.name === '__typename') return { kind: 'typename', conditions, responseName };
    const type = field.definition.type;
    if (!type) throw new Error(`field ${field.name} has no type`);
    return {
      kind: 'field',
      conditions,
      responseName: renames.get(responseName) ?? responseName,
      inputName: responseName,
      type: compileType(type),
      selections: selection.selectionSet
        ? compileSelectionSet(schema, selection.selectionSet, renames)
        : null,
    };
  });
}

function ifValue(directive: { arguments(): { if?: boolean | Variable } } | undefined): IfValue | null {
  if (!directive) return null;
  const value = directive.arguments().if;
  if (value === undefined) return null;
  return value instanceof Variable ? value.name : value;
}

function compileType(type: OutputType): TypeShape {
  if (isNonNullType(type)) return { kind: 'nonNull', of: compileType(type.ofType) };
  if (isListType(type)) return { kind: 'list', of: compileType(type.ofType), printed: String(type) };
  if (isCompositeType(type)) return { kind: 'composite', type, printed: String(type) };
  return { kind: 'leaf', type: type as ScalarType | EnumType, printed: String(type) };
}

interface Shaping {
  shape: ResponseShape;
  /** The first part of an answer delivered in parts: deferred fragments are left for their own parts. */
  leaveOutDeferred: boolean;
  schema: Schema;
  variables: Record<string, unknown>;
  errors: GraphQLError[];
  introspect: (selection: FieldSelection) => unknown;
}

const OK = 0;
const NULL_BUBBLE_UP = 1;

/**
 * The client's answer from the fetched data: only what was asked, in the order asked, nulls
 * propagated. With `leaveOutDeferred`, the first part of an answer delivered in parts.
 */
export function shapeResponse(
  shape: ResponseShape,
  input: ResultObject,
  variables: Record<string, unknown> | undefined,
  introspect: (selection: FieldSelection) => unknown,
  leaveOutDeferred = false,
): { data: ResultObject | null; errors: GraphQLError[] } {
  return shapeSelections(
    shape,
    shape.root,
    shape.rootType,
    input,
    [],
    variables,
    introspect,
    leaveOutDeferred,
  );
}

/** A deferred part as shaping needs it: its selections, on the type of the objects it completes. */
export interface PartShape {
  parentType: CompositeType;
  selections: SelectionShape[];
}

/**
 * The shape of a deferred part, from the planner's `subselection` of it (printed on the type at
 * `queryPath`, the path of response names and `... on T` steps from the operation's root).
 */
export function compilePartShape(
  operation: Operation,
  queryPath: readonly string[],
  subselection: string | undefined,
  renames: ReadonlyMap<string, string>,
): PartShape {
  const parentType = typeAtQueryPath(operation.selectionSet, queryPath, 0);
  if (!subselection) return { parentType, selections: [] };
  const selectionSet = parseSelectionSet({
    parentType,
    source: subselection,
    variableDefinitions: operation.variableDefinitions,
    validate: false,
  });
  return { parentType, selections: compileSelectionSet(operation.schema(), selectionSet, renames) };
}

function typeAtQueryPath(
  selectionSet: SelectionSet,
  queryPath: readonly string[],
  at: number,
): CompositeType {
  const step = queryPath[at];
  if (step === undefined) return selectionSet.parentType;
  const found = selectionSetAt(selectionSet, step);
  if (!found) throw new Error(`the operation has no ${step} at ${queryPath.slice(0, at).join('.')}`);
  return typeAtQueryPath(found, queryPath, at + 1);
}

/** The selection set under `step` (a response name, or `... on T`), looking into fragments without a type. */
function selectionSetAt(selectionSet: SelectionSet, step: string): SelectionSet | undefined {
  const typeCondition = step.startsWith('... on ') ? step.slice('... on '.length) : null;
  for (const selection of selectionSet.selections()) {
    if (selection.kind === 'FieldSelection') {
      if (typeCondition === null && selection.element.responseName() === step && selection.selectionSet)
        return selection.selectionSet;
      continue;
    }
    const condition = selection.element.typeCondition?.name;
    if (typeCondition !== null && condition === typeCondition) return selection.selectionSet;
    const within = selectionSetAt(selection.selectionSet, step);
    if (within) return within;
  }
  return undefined;
}

/** A deferred part's data: its selections applied to one object it completes, at `path` in the answer. */
export function shapePart(
  shape: ResponseShape,
  part: PartShape,
  input: ResultObject,
  path: (string | number)[],
  variables: Record<string, unknown> | undefined,
  introspect: (selection: FieldSelection) => unknown,
): { data: ResultObject | null; errors: GraphQLError[] } {
  return shapeSelections(shape, part.selections, part.parentType, input, path, variables, introspect, true);
}

function shapeSelections(
  shape: ResponseShape,
  selections: readonly SelectionShape[],
  parentType: CompositeType,
  input: ResultObject,
  path: (string | number)[],
  variables: Record<string, unknown> | undefined,
  introspect: (selection: FieldSelection) => unknown,
  leaveOutDeferred: boolean,
): { data: ResultObject | null; errors: GraphQLError[] } {
  const shaping: Shaping = {
    shape,
    leaveOutDeferred,
    schema: shape.rootType.schema(),
    variables: { __proto__: null, ...shape.defaultedVariables, ...variables },
    errors: [],
    introspect,
  };
  const data: ResultObject = Object.create(null);
  const result = applySelections(shaping, selections, input, data, path, parentType);
  return { data: result === NULL_BUBBLE_UP ? null : data, errors: shaping.errors };
}

/**
 * Whether the operation, with these variables, asks for a field some subgraph must answer (not
 * only `__typename` or introspection, nor an object whose every field is skipped). A plan without
 * a fetch for such an operation means the planner found no way to those fields (it answers an
 * empty plan, not an error).
 */
export function selectsSubgraphFields(
  shape: ResponseShape,
  variables: Record<string, unknown> | undefined,
): boolean {
  const values: Record<string, unknown> = { __proto__: null, ...shape.defaultedVariables, ...variables };
  const active = (selections: readonly SelectionShape[]) =>
    selections.filter((selection) => !skipped(selection.conditions, values));
  // A field asks something of a subgraph when it is a leaf or selects anything at all within.
  const asks = (field: { selections: SelectionShape[] | null }): boolean =>
    field.selections === null || selectsAnything(field.selections);
  const selectsAnything = (selections: readonly SelectionShape[]): boolean =>
    active(selections).some((selection) =>
      selection.kind === 'field'
        ? asks(selection)
        : selection.kind === 'fragment'
          ? selectsAnything(selection.selections)
          : true,
    );
  const selectsField = (selections: readonly SelectionShape[]): boolean =>
    active(selections).some((selection) =>
      selection.kind === 'field'
        ? asks(selection)
        : selection.kind === 'fragment' && selectsField(selection.selections),
    );
  return selectsField(shape.root);
}

function isOn(value: IfValue, variables: Record<string, unknown>): boolean {
  return typeof value === 'boolean' ? value : variables[value] === true;
}

function skipped(conditions: Conditions, variables: Record<string, unknown>): boolean {
  return (
    (conditions.skip !== null && isOn(conditions.skip, variables)) ||
    (conditions.include !== null && !isOn(conditions.include, variables))
  );
}

function applySelections(
  shaping: Shaping,
  selections: readonly SelectionShape[],
  input: ResultObject,
  output: ResultObject,
  path: (string | number)[],
  parentType: CompositeType,
): number {
  for (const selection of selections) {
    if (skipped(selection.conditions, shaping.variables)) continue;
    switch (selection.kind) {
      case 'introspection':
        if (output[selection.responseName] === undefined)
          output[selection.responseName] = shaping.introspect(selection.selection);
        break;
      case 'typename': {
        const { responseName } = selection;
        if (output[responseName] !== undefined) break;
        let value = getOwn(input, responseName) ?? null;
        if (value === null && responseName !== '__typename') value = input.__typename ?? null;
        const type =
          value !== null && typeof value === 'string'
            ? (shaping.schema.type(value) ?? parentType)
            : parentType;
        if (!isObjectType(type)) return NULL_BUBBLE_UP;
        output[responseName] = type.name;
        break;
      }
      case 'field': {
        const { responseName } = selection;
        path.push(responseName);
        const { updated, isInvalid } = updateOutputValue(
          shaping,
          output[responseName],
          selection.type,
          getOwn(input, selection.inputName) ?? null,
          selection.selections,
          path,
          parentType,
        );
        output[responseName] = updated;
        path.pop();
        if (isInvalid) return NULL_BUBBLE_UP;
        break;
      }
      case 'fragment': {
        if (
          shaping.leaveOutDeferred &&
          selection.deferred !== null &&
          isOn(selection.deferred, shaping.variables)
        )
          break;
        const typename = input.__typename;
        if (typename !== undefined && typename !== null && typeof typename !== 'string')
          throw new Error(`Got unexpected value for __typename: ${String(typename)}`);
        if (!typeConditionApplies(shaping, selection.typeCondition, typename, parentType)) break;
        const result = applySelections(
          shaping,
          selection.selections,
          input,
          output,
          path,
          selection.typeCondition ?? parentType,
        );
        if (result === NULL_BUBBLE_UP) return NULL_BUBBLE_UP;
        break;
      }
    }
  }
  return OK;
}

function typeConditionApplies(
  shaping: Shaping,
  condition: CompositeType | undefined,
  typename: string | null | undefined,
  parentType: CompositeType,
): boolean {
  if (!condition) return true;
  if (typename) {
    const type = shaping.schema.type(typename);
    return !!type && isCompositeType(type) && shaping.shape.applies(condition, type);
  }
  return shaping.shape.applies(condition, parentType);
}

function describeLast(
  path: readonly (string | number)[],
  printedType: string,
  parentType: CompositeType,
): string {
  const last = path[path.length - 1];
  return typeof last === 'string'
    ? `field ${parentType}.${last}`
    : `array element of type ${printedType} at index ${last}`;
}

function printed(type: TypeShape): string {
  return type.kind === 'nonNull' ? `${printed(type.of)}!` : type.printed;
}

interface Updated {
  updated: unknown;
  isInvalid?: boolean;
  hasErrors?: boolean;
}

function updateOutputValue(
  shaping: Shaping,
  outputValue: unknown,
  type: TypeShape,
  inputValue: unknown,
  selections: readonly SelectionShape[] | null,
  path: (string | number)[],
  parentType: CompositeType,
): Updated {
  if (outputValue === null || (outputValue !== undefined && !selections)) return { updated: outputValue };

  if (type.kind === 'nonNull') {
    const { updated, hasErrors } = updateOutputValue(
      shaping,
      outputValue,
      type.of,
      inputValue,
      selections,
      path,
      parentType,
    );
    if (updated === null) {
      if (!hasErrors)
        shaping.errors.push(
          ERRORS.INVALID_GRAPHQL.err(
            `Cannot return null for non-nullable ${describeLast(path, printed(type.of), parentType)}.`,
            { path: Array.from(path) },
          ),
        );
      return { updated, isInvalid: true, hasErrors: true };
    }
    return { updated };
  }

  if (inputValue === null) return { updated: null };

  if (type.kind === 'list') {
    if (!Array.isArray(inputValue))
      throw new Error(
        `Invalid non-list value ${String(inputValue)} returned by subgraph for list type ${type.printed}`,
      );
    if (outputValue !== undefined && !Array.isArray(outputValue))
      throw new Error(
        `Invalid non-list value ${String(outputValue)} returned by subgraph for list type ${type.printed}`,
      );
    const existing = outputValue as unknown[] | undefined;
    if (existing && existing.length !== inputValue.length)
      throw new Error(
        `[${inputValue}].length (${inputValue.length}) !== [${existing}].length (${existing.length})`,
      );
    let shouldNullify = false;
    let hasErrors = false;
    const updated = new Array<unknown>(inputValue.length);
    for (let index = 0; index < inputValue.length; index++) {
      path.push(index);
      const element = updateOutputValue(
        shaping,
        existing?.[index],
        type.of,
        inputValue[index] ?? null,
        selections,
        path,
        parentType,
      );
      path.pop();
      shouldNullify ||= !!element.isInvalid;
      hasErrors ||= !!element.hasErrors;
      updated[index] = element.updated;
    }
    return { updated: shouldNullify ? null : updated, hasErrors };
  }

  if (type.kind === 'composite') {
    if (!selections) throw new Error(`Invalid empty selection set for composite type ${type.printed}`);
    if (typeof inputValue !== 'object')
      throw new Error(
        `Invalid non-object value ${String(inputValue)} returned by subgraph for composite type ${type.printed}`,
      );
    const input = inputValue as ResultObject;
    const inputTypename = input.__typename;
    if (inputTypename !== undefined && typeof inputTypename !== 'string')
      throw new Error(`Invalid non-string value ${String(inputTypename)} for __typename at ${path}`);
    let objectType: CompositeType = type.type;
    if (inputTypename) {
      const named = shaping.schema.type(inputTypename);
      // Not in the API schema (an @inaccessible type): null, and never the type's name in the message.
      if (!named || !isCompositeType(named)) {
        shaping.errors.push(
          ERRORS.INVALID_GRAPHQL.err(
            `Invalid __typename found for object at ${describeLast(path, type.printed, parentType)}.`,
            { path: Array.from(path) },
          ),
        );
        return { updated: null, hasErrors: true };
      }
      objectType = named;
    }
    const output: ResultObject =
      outputValue === undefined ? Object.create(null) : (outputValue as ResultObject);
    const result = applySelections(shaping, selections, input, output, path, objectType);
    const bubbled = result === NULL_BUBBLE_UP;
    return { updated: bubbled ? null : output, hasErrors: bubbled };
  }

  const valid = isValidLeafValue(shaping.schema, inputValue, type.type);
  if (!valid)
    shaping.errors.push(
      ERRORS.INVALID_GRAPHQL.err(`Invalid value found for ${describeLast(path, type.printed, parentType)}.`, {
        path: Array.from(path),
      }),
    );
  return { updated: valid ? inputValue : null, hasErrors: !valid };
}
