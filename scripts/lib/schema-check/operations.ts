import {
  type ASTNode,
  type DefinitionNode,
  type FragmentDefinitionNode,
  type GraphQLError,
  type GraphQLSchema,
  Kind,
  NoDeprecatedCustomRule,
  type OperationDefinitionNode,
  parse,
  Source,
  specifiedRules,
  validate,
  visit,
} from 'graphql';
import { OPERATION_FOLDERS, type OperationFile } from '../client-documents';
import { capped, plural, type StepResult } from './report';

const NAME = 'operations';
const PROBLEM_LINES = 20;
const FOLDERS = OPERATION_FOLDERS.map((folder) => `${folder}/`).join(' or ');

/**
 * Every client operation (in the OPERATION_FOLDERS) against the new API schema: an operation that
 * would break fails, naming the operation and what it asks for. Operations need unique names
 * (the persisted operation manifest is keyed by them).
 */
export function checkOperations(
  files: readonly OperationFile[],
  schema: GraphQLSchema,
  verbose: boolean,
): StepResult {
  if (files.length === 0)
    return {
      name: NAME,
      status: 'skip',
      summary: `no operations in ${FOLDERS} to validate`,
      details: [],
    };
  const problems: string[] = [];
  const warnings: string[] = [];
  const operations: OperationDefinitionNode[] = [];
  const fragments = new Map<string, FragmentDefinitionNode>();
  const operationNames = new Set<string>();
  for (const file of files) {
    let definitions: readonly DefinitionNode[];
    try {
      definitions = parse(new Source(file.source, file.file)).definitions;
    } catch (error) {
      problems.push(
        `${placeOfError(error as GraphQLError) ?? file.file}: ${(error as GraphQLError).message}`,
      );
      continue;
    }
    for (const definition of definitions) {
      if (definition.kind === Kind.OPERATION_DEFINITION) {
        const name = definition.name?.value;
        if (!name)
          problems.push(`${placeOf(definition)}: an operation without a name (every operation needs one)`);
        else if (operationNames.has(name))
          problems.push(`${placeOf(definition)}: a second operation named ${name} (names must be unique)`);
        else {
          operationNames.add(name);
          operations.push(definition);
        }
      } else if (definition.kind === Kind.FRAGMENT_DEFINITION) {
        const name = definition.name.value;
        if (fragments.has(name))
          problems.push(`${placeOf(definition)}: a second fragment named ${name} (names must be unique)`);
        else fragments.set(name, definition);
      } else
        problems.push(`${placeOf(definition)}: only operations and fragments belong in an operations file`);
    }
  }
  for (const operation of operations) {
    const name = operation.name?.value ?? '';
    const { used, missing } = fragmentsOf(operation, fragments);
    for (const fragment of missing)
      problems.push(`${name} (${placeOf(operation)}): uses unknown fragment ${fragment}`);
    const document = { kind: Kind.DOCUMENT, definitions: [operation, ...used] } as const;
    for (const error of validate(schema, document, specifiedRules))
      problems.push(`${name} (${placeOfError(error) ?? placeOf(operation)}): ${error.message}`);
    for (const error of validate(schema, document, [NoDeprecatedCustomRule]))
      warnings.push(`warning: ${name} (${placeOfError(error) ?? placeOf(operation)}): ${error.message}`);
  }
  const counted = `${plural(operations.length, 'operation')} in ${plural(files.length, 'file')}`;
  return {
    name: NAME,
    status: problems.length > 0 ? 'fail' : 'pass',
    summary:
      problems.length > 0
        ? `${plural(problems.length, 'problem')} (${counted})`
        : `${counted} valid against the new API schema`,
    details: [
      ...(verbose ? problems : capped(problems, PROBLEM_LINES, 'problems')),
      ...(verbose ? warnings : capped(warnings, PROBLEM_LINES, 'warnings')),
    ],
  };
}

/** The fragments an operation spreads, directly or through other fragments. */
function fragmentsOf(
  operation: OperationDefinitionNode,
  fragments: ReadonlyMap<string, FragmentDefinitionNode>,
): { used: FragmentDefinitionNode[]; missing: string[] } {
  const used = new Map<string, FragmentDefinitionNode>();
  const missing = new Set<string>();
  const pending: ASTNode[] = [operation];
  for (let node = pending.pop(); node; node = pending.pop()) {
    visit(node, {
      FragmentSpread(spread) {
        const name = spread.name.value;
        if (used.has(name) || missing.has(name)) return;
        const fragment = fragments.get(name);
        if (!fragment) missing.add(name);
        else {
          used.set(name, fragment);
          pending.push(fragment);
        }
      },
    });
  }
  return { used: [...used.values()], missing: [...missing] };
}

function placeOf(node: ASTNode): string {
  return node.loc ? `${node.loc.source.name}:${node.loc.startToken.line}` : 'unknown place';
}

function placeOfError(error: GraphQLError): string | undefined {
  const node = error.nodes?.[0];
  if (node?.loc) return placeOf(node);
  const location = error.locations?.[0];
  return error.source && location ? `${error.source.name}:${location.line}` : undefined;
}
