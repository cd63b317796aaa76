import { useMutation, useQuery } from '@apollo/client/react';
import type { FormEvent } from 'react';
import { DeleteReviewDocument, RecentReviewsDocument } from '../../../../schema/__generated__/graphql';
import { formatDate } from '../format';
import { Link, navigate, useLocation } from '../router';
import { Loading, Unavailable } from '../ui';
import { useTitle } from '../use-title';
import { AdminOnly } from './AdminOnly';

const PAGE_SIZE = 20;
const PATH = '/admin/reviews';

/** The rating filter's choices: `?rating=2` lists the reviews of 2 stars or fewer. */
const RATINGS = [
  { value: '', label: 'Any rating' },
  { value: '1', label: '1 star' },
  { value: '2', label: '2 stars or fewer' },
  { value: '3', label: '3 stars or fewer' },
];

/** `/admin/reviews`: the newest reviews of every product, each with a delete button. */
export default function ReviewModerationPage() {
  useTitle('Moderate reviews');
  return (
    <AdminOnly title="Moderate reviews">
      <RecentReviews />
    </AdminOnly>
  );
}

const pageUrl = (params: URLSearchParams) => (params.toString() ? `${PATH}?${params}` : PATH);

function RecentReviews() {
  // The filters and the page cursor live in the URL, as on the catalog: shareable, the back button works.
  const { params } = useLocation();
  const rating = RATINGS.find((option) => option.value && option.value === params.get('rating'))?.value;
  const productId = params.get('product') ?? undefined;
  const { data, loading, error } = useQuery(RecentReviewsDocument, {
    variables: {
      first: PAGE_SIZE,
      after: params.get('after') ?? undefined,
      filter: { maxRating: rating ? Number(rating) : undefined, productId },
    },
    // Moderators act on the list as it is now: a review written a moment ago must be in it.
    fetchPolicy: 'cache-and-network',
  });
  const [deleteReview, deleting] = useMutation(DeleteReviewDocument, { refetchQueries: ['RecentReviews'] });
  const page = data?.recentReviews;
  const withParams = (changes: Record<string, string | undefined>) => {
    const next = new URLSearchParams(params);
    for (const [key, value] of Object.entries(changes))
      if (value) next.set(key, value);
      else next.delete(key);
    return pageUrl(next);
  };
  // A new filter starts from the newest review again.
  const apply = (event: FormEvent<HTMLFormElement>) => {
    event.preventDefault();
    const chosen = String(new FormData(event.currentTarget).get('rating') ?? '');
    navigate(withParams({ rating: chosen, after: undefined }));
  };
  const productName = page?.edges.find(({ node }) => node.product?.id === productId)?.node.product?.name;
  return (
    <>
      <h1>Moderate reviews</h1>
      <p>
        <Link to="/admin">Back office</Link>
      </p>
      <form className="filters" onSubmit={apply} key={params.toString()}>
        <label>
          Rating
          <select name="rating" defaultValue={rating ?? ''}>
            {RATINGS.map((option) => (
              <option key={option.value} value={option.value}>
                {option.label}
              </option>
            ))}
          </select>
        </label>
        <button type="submit">Apply</button>
      </form>
      {productId ? (
        <p data-testid="product-filter">
          Only the reviews of {productName ?? 'one product'} ·{' '}
          <Link to={withParams({ product: undefined, after: undefined })}>every product</Link>
        </p>
      ) : null}
      {loading && !data ? <Loading what="the newest reviews" /> : null}
      {page ? (
        <>
          <p className="muted">
            {page.totalCount} {rating || productId ? 'matching reviews' : 'reviews in the shop'}, newest
            first.
          </p>
          <ul className="review-list" aria-label="Newest reviews">
            {page.edges.map(({ node }) => (
              <li key={node.id}>
                <strong>{node.rating} / 5</strong> by {node.author?.name ?? 'a shopper'} on{' '}
                {node.product ? (
                  <>
                    <Link to={`/product/${node.product.id}`}>{node.product.name}</Link>
                    {node.product.id === productId ? null : (
                      <>
                        {' '}
                        (
                        <Link to={withParams({ product: node.product.id, after: undefined })}>
                          only {node.product.name}
                        </Link>
                        )
                      </>
                    )}
                  </>
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
            {params.get('after') ? (
              <button type="button" onClick={() => history.back()}>
                Newer reviews
              </button>
            ) : null}
            {page.pageInfo.hasNextPage && page.pageInfo.endCursor ? (
              <button
                type="button"
                onClick={() => navigate(withParams({ after: page.pageInfo.endCursor ?? undefined }))}
              >
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
