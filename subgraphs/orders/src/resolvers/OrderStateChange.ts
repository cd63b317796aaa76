import type { OrderStateChangeResolvers } from '../__generated__/resolvers-types';

export const OrderStateChange: OrderStateChangeResolvers = {
  state: (transition) => transition.toState,
  previousState: (transition) => transition.fromState,
  at: (transition) => transition.occurredAt,
};
