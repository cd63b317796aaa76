import { CombinedGraphQLErrors } from '@apollo/client/errors';
import { useMutation, useQuery } from '@apollo/client/react';
import { type FormEvent, useState } from 'react';
import {
  AddReviewDocument,
  DeleteReviewDocument,
  ProductPageDeferredDocument,
  type ProductPageDeferredQuery,
} from '../../../../schema/__generated__/graphql';
import { errorCode } from '../apollo';
import { addToCart } from '../cart';
import { formatDate, formatMoney } from '../format';
import { Link } from '../router';
import { useSession } from '../session';
import { Loading, ProductImage, Unavailable } from '../ui';
import { useTitle } from '../use-title';

type Product = NonNullable<ProductPageDeferredQuery['product']>;

/** The product's reviews part: null until it arrives (it is deferred), and when it failed. */
type ReviewsPart = {
  averageRating: number | null;
  reviewCount: number;
  reviews: NonNullable<Product['reviews']>;
} | null;

const REVIEW_FIELDS = new Set(['averageRating', 'reviewCount', 'reviews']);

/**
 * Whether the answer's errors say the reviews part failed: a deferred part that failed never
 * arrives, and Apollo Client keeps such a query "streaming", so the errors are what tell.
 */
function reviewsFailed(error: unknown): boolean {
  if (!error) return false;
  if (!CombinedGraphQLErrors.is(error)) return true;
  return error.errors.some(
    (graphQLError) => !graphQLError.path || REVIEW_FIELDS.has(String(graphQLError.path[1])),
  );
}

function reviewsPart(product: Product): ReviewsPart {
  return product.reviews && product.reviewCount !== undefined
    ? {
        averageRating: product.averageRating ?? null,
        reviewCount: product.reviewCount,
        reviews: product.reviews,
      }
    : null;
}

export default function ProductPage({ id }: { id: string }) {
  // One query; its reviews come in a later part, so the details show as soon as they are fetched.
  const { data, loading, error, dataState } = useQuery(ProductPageDeferredDocument, { variables: { id } });
  const [quantity, setQuantity] = useState(1);
  const [added, setAdded] = useState(false);
  const product = data?.product;
  useTitle(product?.name ?? 'Product');
  if (loading && !data) return <Loading what="the product" />;
  if (!product) return error ? <Unavailable what="This product" /> : <h1>Product not found</h1>;
  const available = product.stock?.available ?? 0;
  return (
    <article className="product">
      <ProductImage sku={product.sku} name={product.name} category={product.category.name} size="page" />
      <div>
        <h1>{product.name}</h1>
        <p className="muted">
          SKU {product.sku} ·{' '}
          <Link to={`/products?category=${product.category.id}`}>{product.category.name}</Link>
        </p>
        <p className="price big">{formatMoney(product.price)}</p>
        {product.stock ? (
          <p data-testid="stock">{available > 0 ? `${available} in stock` : 'Out of stock'}</p>
        ) : (
          <Unavailable what="Stock" />
        )}
        {product.shippingEstimate ? <p>Shipping: {formatMoney(product.shippingEstimate)}</p> : null}
        <p>{product.description}</p>
        <form
          className="row"
          onSubmit={(event) => {
            event.preventDefault();
            addToCart({ productId: product.id, name: product.name, price: product.price }, quantity);
            setAdded(true);
          }}
        >
          <label>
            Quantity
            <input
              type="number"
              min={1}
              max={Math.max(1, Math.min(100, available))}
              value={quantity}
              onChange={(event) => setQuantity(Math.max(1, Number(event.target.value) || 1))}
            />
          </label>
          <button type="submit" disabled={available <= 0}>
            Add to cart
          </button>
        </form>
        {added ? (
          <p role="status">
            Added to your cart. <Link to="/cart">Go to cart</Link>
          </p>
        ) : null}
      </div>
      <Reviews
        productId={product.id}
        part={reviewsPart(product)}
        pending={dataState === 'streaming'}
        failed={reviewsFailed(error)}
      />
    </article>
  );
}

function Reviews({
  productId,
  part,
  pending,
  failed,
}: {
  productId: string;
  part: ReviewsPart;
  pending: boolean;
  failed: boolean;
}) {
  const session = useSession();
  const [deleteReview] = useMutation(DeleteReviewDocument, { refetchQueries: ['ProductPageDeferred'] });
  const reviews = part?.reviews;
  return (
    <section className="reviews" aria-labelledby="reviews-heading">
      <h2 id="reviews-heading">Reviews</h2>
      {pending && !part && !failed ? <Loading what="reviews" /> : null}
      {part && reviews ? (
        <>
          <p>
            {part.reviewCount
              ? `${part.averageRating?.toFixed(1)} out of 5, ${part.reviewCount} reviews`
              : 'No reviews yet.'}
          </p>
          <ul className="review-list">
            {reviews.edges.map(({ node }) => (
              <li key={node.id}>
                <strong>{node.rating} / 5</strong> by {node.author?.name ?? 'a shopper'}
                {node.verifiedPurchase ? ' (verified purchase)' : ''} · {formatDate(node.createdAt)}
                <p>{node.body}</p>
                {session?.user.role === 'ADMIN' ? (
                  <button type="button" onClick={() => deleteReview({ variables: { id: node.id } })}>
                    Delete review
                  </button>
                ) : null}
              </li>
            ))}
          </ul>
        </>
      ) : failed ? (
        <Unavailable what="Reviews are">
          unavailable right now: the rest of the page is up to date.
        </Unavailable>
      ) : null}
      {session && reviews ? <ReviewForm productId={productId} /> : null}
    </section>
  );
}

function ReviewForm({ productId }: { productId: string }) {
  const [addReview, { loading }] = useMutation(AddReviewDocument, {
    refetchQueries: ['ProductPageDeferred'],
  });
  const [message, setMessage] = useState('');
  const submit = async (event: FormEvent<HTMLFormElement>) => {
    event.preventDefault();
    const form = new FormData(event.currentTarget);
    try {
      await addReview({
        variables: {
          input: { productId, rating: Number(form.get('rating')), body: String(form.get('body')) },
        },
      });
      setMessage('Thank you for your review.');
    } catch (error) {
      setMessage(
        errorCode(error) === 'CONFLICT'
          ? 'You have reviewed this product already.'
          : (error as Error).message,
      );
    }
  };
  return (
    <form className="stack" onSubmit={submit}>
      <h3>Write a review</h3>
      <label>
        Rating
        <select name="rating" defaultValue="5">
          {[5, 4, 3, 2, 1].map((rating) => (
            <option key={rating} value={rating}>
              {rating}
            </option>
          ))}
        </select>
      </label>
      <label>
        Your review
        <textarea name="body" required maxLength={5000} />
      </label>
      <button type="submit" disabled={loading}>
        Post review
      </button>
      {message ? <p role="status">{message}</p> : null}
    </form>
  );
}
