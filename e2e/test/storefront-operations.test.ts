import { clientOperation } from '@shop/devkit/operations';
import { type FieldNode, Kind, parse, print, type SelectionSetNode } from 'graphql';
import { expect, it } from 'vitest';

/** The selection set at `path` (field names from the root) of operation `name`, printed. */
function selectionAt(name: string, path: string[]): string {
  const operation = parse(clientOperation(name)).definitions.find(
    (definition) => definition.kind === Kind.OPERATION_DEFINITION,
  );
  let selectionSet: SelectionSetNode | undefined = operation?.selectionSet;
  for (const field of path)
    selectionSet = selectionSet?.selections.find(
      (selection): selection is FieldNode => selection.kind === Kind.FIELD && selection.name.value === field,
    )?.selectionSet;
  if (!selectionSet) throw new Error(`${name} selects nothing at ${path.join('.')}`);
  return print(selectionSet);
}

// The order page reads OrderStatus and lives on OrderUpdated's events through the cache: an event
// with fewer fields would leave the page's query incomplete (a refetch), one with more is unused.
it('the order page subscribes to the same fields of the order as it queries', () => {
  expect(selectionAt('OrderUpdated', ['orderUpdated'])).toBe(selectionAt('OrderStatus', ['order']));
});

// The low-stock list's live events update its products in the cache: the same fields per product.
it('the low-stock subscription gives each product the fields the low-stock list shows', () => {
  expect(selectionAt('LowStockAlerts', ['lowStock'])).toBe(
    selectionAt('LowStock', ['lowStock', 'edges', 'node']),
  );
});
