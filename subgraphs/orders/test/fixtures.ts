import { seedIds } from '@shop/devkit/seed';
import { type Caller, ROLE_SCOPES, type Role } from '@shop/platform/auth';
import { createOrdersSubgraph } from '../src/subgraph';

/** The service with the default checkout deadline (15 minutes): no test of its own meets it. */
export const ordersSubgraph = await createOrdersSubgraph({ checkoutDeadlineSeconds: 900 });

/** Callers as the gateway would prove them. */
const as = (userId: string, role: Role): Caller => ({ userId, role, scopes: ROLE_SCOPES[role] });
export const alice = as(seedIds.user(0), 'CUSTOMER');
export const bob = as(seedIds.user(1), 'CUSTOMER');
export const carol = as(seedIds.user(2), 'CUSTOMER');
export const admin = as(seedIds.admin(), 'ADMIN');

export const ORDER_FIELDS = /* GraphQL */ `
  id status state failureReason createdAt updatedAt
  user { id }
  total { amount currency }
  lines { product { id } productName quantity unitPrice { amount currency } lineTotal { amount currency } }
  history { state previousState at }
`;

export interface OrderView {
  id: string;
  status: string;
  state: string;
  failureReason: string | null;
  createdAt: string;
  updatedAt: string;
  user: { id: string };
  total: { amount: number; currency: string };
  lines: {
    product: { id: string };
    productName: string;
    quantity: number;
    unitPrice: { amount: number; currency: string };
    lineTotal: { amount: number; currency: string };
  }[];
  history: { state: string; previousState: string | null; at: string }[];
}

export const PLACE_ORDER = /* GraphQL */ `
  mutation ($input: PlaceOrderInput!) { placeOrder(input: $input) { ${ORDER_FIELDS} } }
`;
export const ORDER = /* GraphQL */ `
  query ($id: ID!) { order(id: $id) { ${ORDER_FIELDS} } }
`;
export const CANCEL_ORDER = /* GraphQL */ `
  mutation ($id: ID!) { cancelOrder(id: $id) { ${ORDER_FIELDS} } }
`;
