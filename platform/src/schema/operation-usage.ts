import { createHash } from 'node:crypto';
import { usageReportingSignature } from '@apollo/utils.usagereporting';
import {
  type DocumentNode,
  type GraphQLInputType,
  type GraphQLSchema,
  getNamedType,
  isEnumType,
  isInputObjectType,
  isIntrospectionType,
  separateOperations,
  TypeInfo,
  typeFromAST,
  visit,
  visitWithTypeInfo,
} from 'graphql';

/** What usage reporting knows of one operation: who it is, not what it was sent with. */
export interface OperationUsage {
  /** sha256 (hex) of the signature: the key usage is counted under. */
  hash: string;
  /** Apollo's usage reporting signature: literals hidden, aliases dropped, fields sorted, whitespace reduced. */
  signature: string;
  /**
   * The schema coordinates it touches, sorted: `Type.field`, `Type.field.argument`, `Input.field`,
   * `Enum.VALUE`. Introspection is none of them: an operation of meta fields alone uses nothing.
   */
  coordinates: string[];
}

/**
 * The signature and coordinates of operation `operationName` of `document` against `schema`.
 * The same in the gateway (what clients send) and the CLI (committed and persisted operations),
 * so both count under one hash.
 */
export function operationUsage(
  schema: GraphQLSchema,
  document: DocumentNode,
  operationName: string | null,
): OperationUsage {
  const operation = singleOperation(document, operationName);
  const signature = usageReportingSignature(operation, operationName ?? '');
  return {
    hash: createHash('sha256').update(signature).digest('hex'),
    signature,
    coordinates: [...usedCoordinates(schema, operation)].sort(),
  };
}

/** The operation and the fragments it spreads, without the document's other operations. */
function singleOperation(document: DocumentNode, operationName: string | null): DocumentNode {
  if (operationName === null) return document;
  return separateOperations(document)[operationName] ?? document;
}

function usedCoordinates(schema: GraphQLSchema, document: DocumentNode): Set<string> {
  const used = new Set<string>();
  const typeInfo = new TypeInfo(schema);
  visit(
    document,
    visitWithTypeInfo(typeInfo, {
      Field(node) {
        // Meta fields (`__schema`, `__type`, `__typename`) and the introspection types' fields (in
        // a fragment on `__Type`, say) are not the schema's types: neither they, their arguments
        // nor anything selected under them is usage.
        const parent = typeInfo.getParentType();
        if (!parent || node.name.value.startsWith('__') || isIntrospectionType(parent)) return false;
        used.add(`${parent.name}.${node.name.value}`);
        return undefined;
      },
      Argument(node) {
        const parent = typeInfo.getParentType();
        const field = typeInfo.getFieldDef();
        // Directive arguments have no field: they are not part of the types clients depend on.
        if (parent && field && typeInfo.getDirective() === null)
          used.add(`${parent.name}.${field.name}.${node.name.value}`);
      },
      ObjectField(node) {
        const input = typeInfo.getParentInputType();
        const named = input ? getNamedType(input) : null;
        if (named && isInputObjectType(named)) used.add(`${named.name}.${node.name.value}`);
      },
      EnumValue(node) {
        const input = typeInfo.getInputType();
        const named = input ? getNamedType(input) : null;
        if (named && isEnumType(named)) used.add(`${named.name}.${node.value}`);
      },
      VariableDefinition(node) {
        // A variable's value is not in the signature: every field and value its type allows counts as used.
        const type = typeFromAST(schema, node.type);
        if (type) addEverythingReachable(type as GraphQLInputType, used, new Set());
      },
    }),
  );
  return used;
}

function addEverythingReachable(type: GraphQLInputType, used: Set<string>, seen: Set<string>): void {
  const named = getNamedType(type);
  if (seen.has(named.name)) return;
  seen.add(named.name);
  if (isEnumType(named)) for (const value of named.getValues()) used.add(`${named.name}.${value.name}`);
  if (isInputObjectType(named))
    for (const field of Object.values(named.getFields())) {
      used.add(`${named.name}.${field.name}`);
      addEverythingReachable(field.type, used, seen);
    }
}

/** Whether `coordinate` (a used one) falls under `path` (a changed one): itself, or something inside it. */
export function coordinateIsUnder(coordinate: string, path: string): boolean {
  return coordinate === path || coordinate.startsWith(`${path}.`);
}
