import { printExecutableGraphQLDocument } from '@graphql-tools/documents';
import {
  type ASTNode,
  type DocumentNode,
  type FragmentDefinitionNode,
  Kind,
  type OperationDefinitionNode,
  parse,
  visit,
} from 'graphql';

/**
 * One operation of a document in a form that ignores how it was written: only the operation
 * and the fragments it uses, sorted and printed on one line (the printer GraphQL Code
 * Generator uses for persisted documents). Null when the text does not parse or names no
 * single operation, which is never an operation of the manifest.
 */
export function canonicalOperation(text: string, operationName?: string | null): string | null {
  let document: DocumentNode;
  try {
    document = parse(text, { noLocation: true });
  } catch {
    return null;
  }
  const operations = document.definitions.filter(
    (definition): definition is OperationDefinitionNode => definition.kind === Kind.OPERATION_DEFINITION,
  );
  const operation = operationName
    ? operations.find((candidate) => candidate.name?.value === operationName)
    : operations.length === 1
      ? operations[0]
      : undefined;
  if (!operation) return null;
  const fragments = new Map(
    document.definitions
      .filter(
        (definition): definition is FragmentDefinitionNode => definition.kind === Kind.FRAGMENT_DEFINITION,
      )
      .map((fragment) => [fragment.name.value, fragment]),
  );
  const used = new Map<string, FragmentDefinitionNode>();
  const pending: ASTNode[] = [operation];
  for (let node = pending.pop(); node; node = pending.pop()) {
    let missing = false;
    visit(node, {
      FragmentSpread(spread) {
        const name = spread.name.value;
        const fragment = fragments.get(name);
        if (!fragment) missing = true;
        else if (!used.has(name)) {
          used.set(name, fragment);
          pending.push(fragment);
        }
      },
    });
    if (missing) return null;
  }
  return printExecutableGraphQLDocument({ kind: Kind.DOCUMENT, definitions: [operation, ...used.values()] });
}
