import { useQuery } from '@apollo/client/react';
import { AccountPageDocument } from '../../../../schema/__generated__/graphql';
import { formatDate, formatMoney } from '../format';
import { Link } from '../router';
import { useSession } from '../session';
import { Loading, Unavailable } from '../ui';
import { useTitle } from '../use-title';

/** Who is logged in and their order history. */
export default function AccountPage() {
  useTitle('Your account');
  const session = useSession();
  const { data, loading, error } = useQuery(AccountPageDocument, {
    skip: !session,
    fetchPolicy: 'cache-and-network',
  });
  if (!session)
    return (
      <>
        <h1>Your account</h1>
        <Link to="/login?next=/account">Log in</Link> to see your orders.
      </>
    );
  const orders = data?.me?.orders;
  return (
    <>
      <h1>Your account</h1>
      <p>
        {session.user.name} ({session.user.email})
      </p>
      <h2>Your orders</h2>
      {loading && !data ? <Loading what="your orders" /> : null}
      {orders ? (
        orders.edges.length === 0 ? (
          <p>No orders yet.</p>
        ) : (
          <ul className="orders">
            {orders.edges.map(({ node }) => (
              <li key={node.id}>
                <Link to={`/orders/${node.id}`}>Order {node.id.slice(0, 8)}</Link> ·{' '}
                {formatDate(node.createdAt)} · {formatMoney(node.total)} · {node.status}
              </li>
            ))}
          </ul>
        )
      ) : error ? (
        <Unavailable what="Your orders" />
      ) : null}
    </>
  );
}
