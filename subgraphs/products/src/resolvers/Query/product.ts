import { badUserInput } from '@shop/platform/errors';
import { isUuid } from '@shop/platform/ids';
import type { QueryResolvers } from '../../__generated__/resolvers-types';

export const product: QueryResolvers['product'] = (_parent, { id, sku }, { loaders }) => {
  if ((id == null) === (sku == null)) throw badUserInput('id', 'Give exactly one of id and sku.');
  // Not a UUID means no product has it: an unknown product is null, not an error.
  if (id != null) return isUuid(id) ? loaders.productById.load(id) : null;
  return loaders.productBySku.load(sku as string);
};
