import type { PaymentRow } from './db/schema';

// What resolvers pass around for each GraphQL type (read by codegen.ts).
export type PaymentMapper = PaymentRow;
/** Orders belong to the orders service: here an order is only its key. */
export type OrderMapper = { id: string };
