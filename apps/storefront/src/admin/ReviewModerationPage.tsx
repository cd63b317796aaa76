import { useMutation, useQuery } from '@apollo/client/react';
import { useState } from 'react';
import { DeleteReviewDocument, RecentReviewsDocument } from '../../../../schema/__generated__/graphql';
import { formatDate } from '../format';
import { Link } from '../router';
import { Loading, Unavailable } from '../ui';
import { useTitle } from '../use-title';
import { AdminOnly } from './AdminOnly';

const PAGE_SIZE = 20;

/** `/admin/reviews`: the newest reviews of every product, each with a delete button. */
export default function ReviewModerationPage() {
  useTitle('Moderate reviews');
  return (
    <AdminOnly title="Moderate reviews">
      <RecentReviews />
    </AdminOnly>
  );
}

function RecentReviews() {
  // Cursors of the pages before this one, so "Newer reviews" goes back a page.
  const [cursors, setCursors] = useState<(string | null)[]>([null]);
  const after = cursors.at(-1) ?? null;
  const { data, loading, error } = useQuery(RecentReviewsDocument, {
    variables: { first: PAGE_SIZE, after },
    // Moderators act on the list as it is now: a review written a moment ago must be in it.
    fetchPolicy: 'cache-and-network',
  });
  const [deleteReview, deleting] = useMutation(DeleteReviewDocument, { refetchQueries: ['RecentReviews'] });
  const page = data?.recentReviews;
  return (
    <>
      <h1>Moderate reviews</h1>
      <p>
        <Link to="/admin">Back office</Link>
      </p>
      {loading && !data ? <Loading what="the newest reviews" /> : null}
      {page ? (
        <>
          <p className="muted">{page.totalCount} reviews in the shop, newest first.</p>
          <ul className="review-list" aria-label="Newest reviews">
            {page.edges.map(({ node }) => (
              <li key={node.id}>
                <strong>{node.rating} / 5</strong> by {node.author?.name ?? 'a shopper'} on{' '}
                {node.product ? (
                  <Link to={`/product/${node.product.id}`}>{node.product.name}</Link>
                ) : (
                  'a product'
                )}{' '}
                · {formatDate(node.createdAt)}
                <p>{node.body}</p>
                <button
                  type="button"
                  disabled={deleting.loading}
                  onClick={() => deleteReview({ variables: { id: node.id } }).catch(() => undefined)}
                >
                  Delete review
                </button>
              </li>
            ))}
          </ul>
          <nav className="pager" aria-label="Review pages">
            {cursors.length > 1 ? (
              <button type="button" onClick={() => setCursors(cursors.slice(0, -1))}>
                Newer reviews
              </button>
            ) : null}
            {page.pageInfo.hasNextPage ? (
              <button type="button" onClick={() => setCursors([...cursors, page.pageInfo.endCursor])}>
                Older reviews
              </button>
            ) : null}
          </nav>
        </>
      ) : error ? (
        <Unavailable what="The list of reviews" />
      ) : null}
      {deleting.error ? (
        <p role="alert" className="error">
          {deleting.error.message}
        </p>
      ) : null}
    </>
  );
}
