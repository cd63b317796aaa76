import type { Logger } from '@shop/platform/logger';
import { Kind, type OperationDefinitionNode, parse, print, type TypeNode } from 'graphql';
import { readPersistedOperations } from '../persisted-operations/manifest';

/** One ready-to-run operation of the playground's list. */
export interface PlaygroundOperation {
  name: string;
  type: 'query' | 'mutation' | 'subscription';
  /** The operation followed by the fragments it uses, printed (the safelist takes any layout of it). */
  query: string;
  /** JSON for the variables editor: each variable with a placeholder of its type. */
  variables: string;
}

/**
 * The client operations of the persisted operation manifest (`npm run codegen` writes it from
 * the storefront's operations and the others'), for the playground to offer: the one list the
 * safelist enforces, and the one file every gateway image already holds. A missing or broken
 * manifest is an empty list with a log line, so it does not take the playground down.
 */
export async function loadOperations(manifest: string, logger: Logger): Promise<PlaygroundOperation[]> {
  let persisted: Awaited<ReturnType<typeof readPersistedOperations>>;
  try {
    persisted = await readPersistedOperations(manifest);
  } catch (error) {
    logger.info({ manifest, err: error }, 'playground: no persisted operations to offer');
    return [];
  }
  return persisted
    .list()
    .map((operation) => {
      const { definitions } = parse(operation.body);
      // The manifest keeps bodies on one line, fragments first: shown readable, the operation on top.
      const main = definitions.find((definition) => definition.kind === Kind.OPERATION_DEFINITION);
      if (!main) throw new Error(`persisted operation ${operation.name} holds no operation`);
      const rest = definitions.filter((definition) => definition !== main);
      return {
        name: operation.name,
        type: operation.type,
        query: [main, ...rest].map((definition) => print(definition)).join('\n\n'),
        variables: variablesTemplate(main),
      };
    })
    .sort((a, b) => a.name.localeCompare(b.name));
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
