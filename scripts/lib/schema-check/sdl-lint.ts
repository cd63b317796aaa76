import {
  type ASTNode,
  type DocumentNode,
  type GraphQLNamedType,
  type GraphQLSchema,
  isEnumType,
  isInputObjectType,
  isInterfaceType,
  isIntrospectionType,
  isObjectType,
  isSpecifiedScalarType,
  Kind,
  parse,
  Source,
  visit,
} from 'graphql';
import type { SubgraphSource } from '../supergraph';
import { capped, plural, type StepResult } from './report';

const NAME = 'lint';
const PROBLEM_LINES = 20;

const PASCAL_CASE = /^[A-Z][A-Za-z0-9]*$/;
const CAMEL_CASE = /^[a-z][A-Za-z0-9]*$/;
const SCREAMING_SNAKE_CASE = /^[A-Z][A-Z0-9]*(_[A-Z0-9]+)*$/;

/**
 * House rules for the schema clients see: every public type, field, input field and enum value
 * has a description (an argument without one is a warning); types are PascalCase, fields and arguments camelCase, enum values
 * SCREAMING_SNAKE_CASE; and (in each subgraph's SDL) every @deprecated carries a reason.
 */
export function lintSchema(
  schema: GraphQLSchema,
  sources: readonly SubgraphSource[],
  verbose: boolean,
): StepResult {
  const definedIn = definitionsBySubgraph(sources);
  const problems: string[] = [];
  const warnings: string[] = [];
  const undocumented = (coordinate: string, what: string) => {
    const owners = definedIn.get(coordinate);
    const line = `${coordinate}: ${what} has no description${owners ? ` (defined in ${owners.join(', ')})` : ''}`;
    // Types and fields are the contract; an undocumented argument is a warning, not a failure.
    if (what === 'the argument') warnings.push(`warning: ${line}`);
    else problems.push(line);
  };
  const roots = new Set<GraphQLNamedType | null | undefined>([
    schema.getQueryType(),
    schema.getMutationType(),
    schema.getSubscriptionType(),
  ]);
  for (const type of Object.values(schema.getTypeMap())) {
    if (isIntrospectionType(type) || isSpecifiedScalarType(type)) continue;
    // The root types are named by GraphQL itself; their fields carry the meaning.
    if (!roots.has(type) && !type.description) undocumented(type.name, 'the type');
    if (!PASCAL_CASE.test(type.name)) problems.push(`${type.name}: type names are PascalCase`);
    for (const { coordinate, member, kind } of membersOf(type)) {
      if (!member.description) undocumented(coordinate, kind);
      const convention = kind === 'the enum value' ? SCREAMING_SNAKE_CASE : CAMEL_CASE;
      if (!convention.test(member.name))
        problems.push(
          `${coordinate}: ${kind === 'the enum value' ? 'enum values are SCREAMING_SNAKE_CASE' : 'field and argument names are camelCase'}`,
        );
    }
  }
  problems.push(...deprecationsWithoutReason(sources));
  return {
    name: NAME,
    status: problems.length > 0 ? 'fail' : 'pass',
    summary:
      problems.length > 0
        ? plural(problems.length, 'problem')
        : `descriptions, names and deprecation reasons follow the house rules${warnings.length > 0 ? ` (${plural(warnings.length, 'warning')})` : ''}`,
    details: [
      ...(verbose ? problems : capped(problems, PROBLEM_LINES, 'problems')),
      ...(verbose ? warnings : capped(warnings, PROBLEM_LINES, 'warnings')),
    ],
  };
}

interface Member {
  coordinate: string;
  member: { name: string; description?: string | null | undefined };
  kind: 'the field' | 'the argument' | 'the input field' | 'the enum value';
}

/** Fields, their arguments, input fields and enum values of a type, by schema coordinate. */
function membersOf(type: GraphQLNamedType): Member[] {
  const members: Member[] = [];
  if (isObjectType(type) || isInterfaceType(type))
    for (const field of Object.values(type.getFields())) {
      members.push({ coordinate: `${type.name}.${field.name}`, member: field, kind: 'the field' });
      for (const arg of field.args)
        members.push({
          coordinate: `${type.name}.${field.name}(${arg.name}:)`,
          member: arg,
          kind: 'the argument',
        });
    }
  else if (isInputObjectType(type))
    for (const field of Object.values(type.getFields()))
      members.push({ coordinate: `${type.name}.${field.name}`, member: field, kind: 'the input field' });
  else if (isEnumType(type))
    for (const value of type.getValues())
      members.push({ coordinate: `${type.name}.${value.name}`, member: value, kind: 'the enum value' });
  return members;
}

function parseSource(source: SubgraphSource): DocumentNode | null {
  try {
    return parse(new Source(source.sdl, source.file ?? source.name));
  } catch {
    return null; // composition reports it
  }
}

/** Which subgraphs define a type or field (by coordinate), to say where a missing description goes. */
function definitionsBySubgraph(sources: readonly SubgraphSource[]): Map<string, string[]> {
  const owners = new Map<string, string[]>();
  const add = (coordinate: string, subgraph: string) => {
    const list = owners.get(coordinate) ?? [];
    if (!list.includes(subgraph)) list.push(subgraph);
    owners.set(coordinate, list);
  };
  for (const source of sources) {
    const document = parseSource(source);
    if (!document) continue;
    for (const definition of document.definitions) {
      if (!('name' in definition) || !definition.name || !('fields' in definition || 'values' in definition))
        continue;
      const type = definition.name.value;
      add(type, source.name);
      if ('fields' in definition)
        for (const field of definition.fields ?? []) {
          add(`${type}.${field.name.value}`, source.name);
          if ('arguments' in field)
            for (const arg of field.arguments ?? [])
              add(`${type}.${field.name.value}(${arg.name.value}:)`, source.name);
        }
      if ('values' in definition)
        for (const value of definition.values ?? []) add(`${type}.${value.name.value}`, source.name);
    }
  }
  return owners;
}

/** `@deprecated` without a reason (or with a blank one) anywhere in a subgraph's SDL. */
function deprecationsWithoutReason(sources: readonly SubgraphSource[]): string[] {
  const problems: string[] = [];
  for (const source of sources) {
    const document = parseSource(source);
    if (!document) continue;
    visit(document, {
      Directive(directive, _key, _parent, _path, ancestors) {
        if (directive.name.value !== 'deprecated') return;
        const reason = directive.arguments?.find((argument) => argument.name.value === 'reason')?.value;
        if (reason?.kind === Kind.STRING && reason.value.trim() !== '') return;
        problems.push(
          `${coordinateOf(ancestors)}: @deprecated needs a reason that tells clients what to use instead (${source.file ?? source.name}:${directive.loc?.startToken.line ?? '?'})`,
        );
      },
    });
  }
  return problems;
}

function coordinateOf(ancestors: readonly (ASTNode | readonly ASTNode[])[]): string {
  const names = ancestors
    .filter((ancestor): ancestor is ASTNode => !Array.isArray(ancestor))
    .map((node) => ('name' in node && node.name && 'value' in node.name ? node.name.value : null))
    .filter((name): name is string => typeof name === 'string');
  return names.join('.') || 'schema';
}
