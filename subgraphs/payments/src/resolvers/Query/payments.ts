import { toConnection } from '@shop/platform/pagination';
import type { QueryResolvers } from '../../__generated__/resolvers-types';
import { countPayments, listPayments, paymentCursor, readPaymentPageArgs } from '../../domain/payments';

export const payments: QueryResolvers['payments'] = async (_parent, args, { db, loaders }) => {
  const page = readPaymentPageArgs(args);
  const rows = await listPayments(db, page);
  // Later references to these in the same request need no query of their own.
  for (const row of rows) loaders.paymentById.prime(row.id, row);
  return toConnection(rows, page, paymentCursor, () => countPayments(db));
};
