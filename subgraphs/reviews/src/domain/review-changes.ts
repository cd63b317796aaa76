import { hasScope, requireCaller, Scope } from '@shop/platform/auth';
import { constraintViolation } from '@shop/platform/db';
import { badUserInput, conflict, forbidden, notFound } from '@shop/platform/errors';
import { isUuid, newId } from '@shop/platform/ids';
import type { RequestScope } from '@shop/platform/service';
import { eq } from 'drizzle-orm';
import type { Tables } from '../db/database';
import { type ReviewRow, reviews } from '../db/schema';

type ReviewRequest = Pick<RequestScope<Tables>, 'db' | 'caller'>;

export const BODY_LENGTH = { min: 10, max: 2000 };

export interface AddReviewInput {
  productId: string;
  rating: number;
  body: string;
}

/** `addReview`: one review per user and product; the rating summary changes in the same statement. */
export async function addReview({ db, caller }: ReviewRequest, input: AddReviewInput): Promise<ReviewRow> {
  const author = requireCaller(caller, 'review a product');
  if (!isUuid(input.productId)) throw badUserInput('input.productId', 'input.productId is not a product id.');
  if (!Number.isInteger(input.rating) || input.rating < 1 || input.rating > 5)
    throw badUserInput('input.rating', 'input.rating must be a whole number of stars from 1 to 5.');
  const body = input.body.trim();
  const length = [...body].length;
  if (length < BODY_LENGTH.min || length > BODY_LENGTH.max) {
    throw badUserInput(
      'input.body',
      `input.body must be ${BODY_LENGTH.min} to ${BODY_LENGTH.max.toLocaleString('en')} characters.`,
    );
  }
  try {
    const [row] = await db
      .insert(reviews)
      .values({
        id: newId(),
        productId: input.productId,
        authorId: author.userId,
        rating: input.rating,
        body,
      })
      .returning();
    if (!row) throw new Error('inserting a review returned no row');
    return row;
  } catch (error) {
    // The unique constraint settles two reviews sent at once; a check before the insert could not.
    if (constraintViolation(error)?.constraint === 'reviews_one_per_author_and_product')
      throw conflict('You have already reviewed this product.', { field: 'input.productId' });
    throw error;
  }
}

/** `deleteReview`: the author may delete their own review, moderators any. */
export async function deleteReview({ db, caller }: ReviewRequest, id: string): Promise<ReviewRow> {
  const deleter = requireCaller(caller, 'delete a review');
  if (!isUuid(id)) throw badUserInput('id', 'id is not a review id.');
  return db.transaction(async (tx) => {
    const [review] = await tx.select().from(reviews).where(eq(reviews.id, id)).for('update');
    if (!review) throw notFound('Review');
    if (review.authorId !== deleter.userId && !hasScope(deleter, Scope.REVIEWS_MODERATE))
      throw forbidden('You can only delete your own reviews.');
    await tx.delete(reviews).where(eq(reviews.id, id));
    return review;
  });
}
