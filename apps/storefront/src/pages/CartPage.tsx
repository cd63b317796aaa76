import { useMutation, useQuery } from '@apollo/client/react';
import { useEffect, useMemo, useRef, useState } from 'react';
import { PlaceOrderDocument, ProductDetailsDocument } from '../../../../schema/__generated__/graphql';
import { type CartLine, clearCart, setQuantity, updatePrice, useCart } from '../cart';
import { formatMoney } from '../format';
import { Link, navigate } from '../router';
import { useSession } from '../session';
import { useTitle } from '../use-title';

const TEST_CARDS = [
  { token: 'tok_ok', label: 'Test card: always paid' },
  { token: 'tok_declined', label: 'Test card: declined' },
  { token: 'tok_flaky', label: 'Test card: fails a few times, then paid' },
];

export default function CartPage() {
  useTitle('Cart');
  const cart = useCart();
  const session = useSession();
  // One key per checkout attempt: a double click or a retry sends the same key, so one order.
  const cartKey = JSON.stringify(cart.map((line) => [line.productId, line.quantity]));
  const idempotencyKey = useMemo(() => `${cartKey.length}-${crypto.randomUUID()}`, [cartKey]);
  const [paymentToken, setPaymentToken] = useState('tok_ok');
  const [placeOrder, { loading, error }] = useMutation(PlaceOrderDocument);
  // `loading` only changes on the next render: a double click would otherwise send twice.
  const placing = useRef(false);

  if (cart.length === 0)
    return (
      <>
        <h1>Your cart</h1>
        <p>Your cart is empty.</p>
        <Link to="/products">Browse products</Link>
      </>
    );
  const total = cart.reduce((sum, line) => sum + line.price.amount * line.quantity, 0);
  const currency = cart[0]?.price.currency ?? 'USD';

  const checkout = async () => {
    if (placing.current) return;
    placing.current = true;
    const result = await placeOrder({
      variables: {
        input: {
          lines: cart.map((line) => ({ productId: line.productId, quantity: line.quantity })),
          paymentToken,
          idempotencyKey,
        },
      },
    })
      .catch(() => undefined)
      .finally(() => {
        placing.current = false;
      });
    const order = result?.data?.placeOrder;
    if (order) {
      clearCart();
      navigate(`/orders/${order.id}`);
    }
  };

  return (
    <>
      <h1>Your cart</h1>
      <table className="cart">
        <caption className="visually-hidden">Products in your cart</caption>
        <thead>
          <tr>
            <th scope="col">Product</th>
            <th scope="col">Price</th>
            <th scope="col">Quantity</th>
            <th scope="col">Availability</th>
          </tr>
        </thead>
        <tbody>
          {cart.map((line) => (
            <CartRow key={line.productId} line={line} />
          ))}
        </tbody>
      </table>
      <p className="price big">Total: {formatMoney({ amount: total, currency })}</p>
      {session ? (
        <section aria-labelledby="checkout-heading" className="stack">
          <h2 id="checkout-heading">Checkout</h2>
          <fieldset>
            <legend>Payment</legend>
            {TEST_CARDS.map((card) => (
              <label key={card.token} className="radio">
                <input
                  type="radio"
                  name="payment"
                  value={card.token}
                  checked={paymentToken === card.token}
                  onChange={() => setPaymentToken(card.token)}
                />
                {card.label} ({card.token})
              </label>
            ))}
          </fieldset>
          <button type="button" onClick={checkout} disabled={loading}>
            {loading ? 'Placing order…' : 'Place order'}
          </button>
          {error ? (
            <p role="alert" className="error">
              The order could not be placed: {error.message}
            </p>
          ) : null}
        </section>
      ) : (
        <p>
          <Link to="/login?next=/cart">Log in</Link> to check out.
        </p>
      )}
    </>
  );
}

/** A cart line with its price and stock read again from the API; a changed price replaces the old one. */
function CartRow({ line }: { line: CartLine }) {
  const { data } = useQuery(ProductDetailsDocument, {
    variables: { id: line.productId },
    fetchPolicy: 'network-only',
  });
  const product = data?.product;
  const changed = product && product.price.amount !== line.price.amount;
  useEffect(() => {
    if (product && changed) updatePrice(line.productId, product.price);
  }, [product, changed, line.productId]);
  const available = product?.stock?.available;
  return (
    <tr>
      <td>
        <Link to={`/product/${line.productId}`}>{line.name}</Link>
      </td>
      <td>{formatMoney(line.price)}</td>
      <td>
        <label>
          <span className="visually-hidden">Quantity of {line.name}</span>
          <input
            type="number"
            min={0}
            max={100}
            value={line.quantity}
            onChange={(event) => setQuantity(line.productId, Number(event.target.value) || 0)}
          />
        </label>
      </td>
      <td>
        {available === undefined ? '…' : available >= line.quantity ? 'In stock' : `Only ${available} left`}
      </td>
    </tr>
  );
}
