/**
 * An operation whose fragments double at each level through product -> reviews -> product: the
 * query planner's work grows exponentially with `levels` (13 takes seconds), the text does not.
 */
export function doublingFragments(levels: number): string {
  const fragments = Array.from({ length: levels }, (_, k) =>
    k === levels - 1
      ? `fragment F${k} on Product { name }`
      : `fragment F${k} on Product { x${k}: reviews(first: 1) { edges { node { product { ...F${k + 1} } } } } y${k}: reviews(first: 1) { edges { node { product { ...F${k + 1} } } } } }`,
  );
  return `{ products(first: 1) { edges { node { ...F0 } } } }\n${fragments.join('\n')}`;
}
