import type { MutationResolvers } from '../../__generated__/resolvers-types';
import { placeOrder as place } from '../../domain/place-order';

export const placeOrder: MutationResolvers['placeOrder'] = async (
  _parent,
  { input },
  { db, caller, loaders },
) => {
  const { order, lines } = await place({ db, caller }, input);
  // The lines just written need no query of their own to be returned.
  if (lines) loaders.linesOfOrder.prime(order.id, lines);
  return order;
};
