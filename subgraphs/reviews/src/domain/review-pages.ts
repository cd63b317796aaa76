import { type PageArgs, readPageArgs } from '@shop/platform/pagination';
import { type ReviewCursor, reviewCursorSchema } from './reviews';

// Review lists are embedded in product and user pages: smaller default pages than the catalog's.
const DEFAULT_REVIEW_PAGE_SIZE = 10;

export function readReviewPageArgs(args: PageArgs) {
  return readPageArgs<ReviewCursor>(args, reviewCursorSchema, DEFAULT_REVIEW_PAGE_SIZE);
}
