import { useMutation } from '@apollo/client/react';
import { useRef } from 'react';
import { CancelOrderDocument } from '../../../../schema/__generated__/graphql';
import { formatDate, formatMoney } from '../format';
import { Link } from '../router';
import { Loading, Unavailable } from '../ui';
import { useTitle } from '../use-title';
import { useOrderStatus } from './useOrderStatus';

const REASONS: Record<string, string> = {
  PAYMENT_DECLINED: 'the payment was declined',
  OUT_OF_STOCK: 'a product is out of stock',
};

export default function OrderPage({ id }: { id: string }) {
  useTitle('Order');
  const { data, loading, error } = useOrderStatus(id);
  const [cancelOrder, cancelling] = useMutation(CancelOrderDocument);
  // `cancelling.loading` only changes on the next render: a double click would otherwise send twice.
  const cancelSent = useRef(false);
  const cancel = (orderId: string) => {
    if (cancelSent.current) return;
    cancelSent.current = true;
    cancelOrder({ variables: { id: orderId } })
      .catch(() => undefined)
      .finally(() => {
        cancelSent.current = false;
      });
  };
  const order = data?.order;
  if (loading && !data) return <Loading what="the order" />;
  if (!order) return error ? <Unavailable what="This order" /> : <h1>Order not found</h1>;
  return (
    <>
      <h1>Order {order.id.slice(0, 8)}</h1>
      <p className="muted">Placed {formatDate(order.createdAt)}</p>
      <p
        aria-live="polite"
        className={`status status-${order.status.toLowerCase()}`}
        data-testid="order-status"
      >
        {order.status}
        {order.status === 'PENDING' ? ' — checking stock and payment…' : null}
      </p>
      {order.status === 'REJECTED' ? (
        <p role="alert" className="error" data-testid="order-failure">
          Rejected: {REASONS[order.failureReason ?? ''] ?? order.failureReason ?? 'unknown reason'} (
          {order.failureReason})
        </p>
      ) : null}
      <table>
        <caption className="visually-hidden">Products in this order</caption>
        <thead>
          <tr>
            <th scope="col">Product</th>
            <th scope="col">Quantity</th>
            <th scope="col">Unit price</th>
          </tr>
        </thead>
        <tbody>
          {order.lines.map((line) => (
            <tr key={line.product?.id ?? line.productName}>
              <td>
                {line.product ? (
                  <Link to={`/product/${line.product.id}`}>{line.productName}</Link>
                ) : (
                  line.productName
                )}
              </td>
              <td>{line.quantity}</td>
              <td>{formatMoney(line.unitPrice)}</td>
            </tr>
          ))}
        </tbody>
      </table>
      <p className="price big">Total: {formatMoney(order.total)}</p>
      {order.payment ? <p>Payment: {order.payment.status}</p> : null}
      {order.status === 'CONFIRMED' ? (
        <button type="button" disabled={cancelling.loading} onClick={() => cancel(order.id)}>
          Cancel order
        </button>
      ) : null}
      {cancelling.error ? (
        <p role="alert" className="error">
          {cancelling.error.message}
        </p>
      ) : null}
      <p>
        <Link to="/account">All your orders</Link>
      </p>
    </>
  );
}
