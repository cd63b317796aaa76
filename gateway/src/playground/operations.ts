import type { Dirent } from 'node:fs';
import { readdir, readFile } from 'node:fs/promises';
import { join, relative } from 'node:path';
import type { Logger } from '@shop/platform/logger';
import {
  type DefinitionNode,
  type FragmentDefinitionNode,
  Kind,
  type OperationDefinitionNode,
  parse,
  type TypeNode,
  visit,
} from 'graphql';

/** One ready-to-run operation of the playground's list. */
export interface PlaygroundOperation {
  name: string;
  type: 'query' | 'mutation' | 'subscription';
  /** The file it comes from, relative to the operations folder. */
  file: string;
  /** The operation as written, followed by the fragments it uses. */
  query: string;
  /** JSON for the variables editor: each variable with a placeholder of its type. */
  variables: string;
}

/**
 * The client operations kept in `schema/operations/` (every `.graphql` file below it), for the
 * playground to offer. A missing folder is an empty list; a file that does not parse is
 * skipped with a warning, so one bad file does not take the playground down.
 */
export async function loadOperations(folder: string, logger: Logger): Promise<PlaygroundOperation[]> {
  const files = await graphqlFiles(folder);
  const sources: { file: string; text: string; definitions: readonly DefinitionNode[] }[] = [];
  for (const path of files) {
    const text = await readFile(path, 'utf8');
    try {
      sources.push({ file: relative(folder, path), text, definitions: parse(text).definitions });
    } catch (error) {
      logger.warn({ file: path, err: error }, 'playground: skipping an operations file that does not parse');
    }
  }
  // Fragments are shared across files: an operation may use one defined elsewhere.
  const fragments = new Map<string, { node: FragmentDefinitionNode; source: string }>();
  for (const { text, definitions } of sources)
    for (const definition of definitions)
      if (definition.kind === Kind.FRAGMENT_DEFINITION)
        fragments.set(definition.name.value, { node: definition, source: sourceOf(text, definition) });

  const operations: PlaygroundOperation[] = [];
  for (const { file, text, definitions } of sources) {
    for (const definition of definitions) {
      if (definition.kind !== Kind.OPERATION_DEFINITION || !definition.name) continue;
      const used = fragmentsUsedBy(definition, fragments);
      operations.push({
        name: definition.name.value,
        type: definition.operation,
        file,
        query: [sourceOf(text, definition), ...used.map((name) => fragments.get(name)?.source ?? '')].join(
          '\n\n',
        ),
        variables: variablesTemplate(definition),
      });
    }
  }
  return operations.sort((a, b) => a.file.localeCompare(b.file) || a.name.localeCompare(b.name));
}

async function graphqlFiles(folder: string): Promise<string[]> {
  let entries: Dirent[];
  try {
    entries = await readdir(folder, { withFileTypes: true });
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw error;
  }
  const files: string[] = [];
  for (const entry of entries) {
    const path = join(folder, entry.name);
    if (entry.isDirectory()) files.push(...(await graphqlFiles(path)));
    else if (entry.name.endsWith('.graphql') || entry.name.endsWith('.gql')) files.push(path);
  }
  return files;
}

function sourceOf(text: string, node: DefinitionNode): string {
  return node.loc ? text.slice(node.loc.start, node.loc.end) : '';
}

/** Fragments an operation spreads, directly or through other fragments, in first-use order. */
function fragmentsUsedBy(
  operation: OperationDefinitionNode,
  fragments: ReadonlyMap<string, { node: FragmentDefinitionNode }>,
): string[] {
  const used: string[] = [];
  const collect = (node: OperationDefinitionNode | FragmentDefinitionNode) => {
    visit(node, {
      FragmentSpread(spread) {
        const name = spread.name.value;
        if (used.includes(name)) return;
        used.push(name);
        const fragment = fragments.get(name);
        if (fragment) collect(fragment.node);
      },
    });
  };
  collect(operation);
  return used;
}

function variablesTemplate(operation: OperationDefinitionNode): string {
  const variables = operation.variableDefinitions ?? [];
  if (variables.length === 0) return '';
  const template = Object.fromEntries(
    variables
      // Optional variables with a default are fine left out.
      .filter((variable) => !variable.defaultValue)
      .map((variable) => [variable.variable.name.value, placeholder(variable.type)]),
  );
  return Object.keys(template).length === 0 ? '' : JSON.stringify(template, null, 2);
}

function placeholder(type: TypeNode): unknown {
  switch (type.kind) {
    case Kind.NON_NULL_TYPE:
      return placeholder(type.type);
    case Kind.LIST_TYPE:
      return [];
    case Kind.NAMED_TYPE:
      switch (type.name.value) {
        case 'Int':
        case 'Float':
          return 0;
        case 'Boolean':
          return false;
        case 'String':
        case 'ID':
          return '';
        default:
          return null;
      }
  }
}
