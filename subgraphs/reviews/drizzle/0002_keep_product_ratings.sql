-- product_ratings follows every change to reviews, in the statement that makes it. Statement
-- triggers with transition tables: a batch insert (the seed) costs one upsert, not one per row.
-- Upserts go in product order, so two batch inserts touching the same products cannot deadlock.
CREATE FUNCTION product_ratings_add_reviews() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  INSERT INTO product_ratings AS ratings (product_id, review_count, rating_total)
  SELECT product_id, count(*), sum(rating) FROM added GROUP BY product_id ORDER BY product_id
  ON CONFLICT (product_id) DO UPDATE
    SET review_count = ratings.review_count + excluded.review_count,
        rating_total = ratings.rating_total + excluded.rating_total;
  RETURN NULL;
END
$$;
--> statement-breakpoint
CREATE FUNCTION product_ratings_remove_reviews() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  UPDATE product_ratings AS ratings
    SET review_count = ratings.review_count - gone.review_count,
        rating_total = ratings.rating_total - gone.rating_total
  FROM (
    SELECT product_id, count(*) AS review_count, sum(rating) AS rating_total
    FROM removed GROUP BY product_id
  ) AS gone
  WHERE ratings.product_id = gone.product_id;
  RETURN NULL;
END
$$;
--> statement-breakpoint
CREATE FUNCTION product_ratings_change_reviews() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  UPDATE product_ratings AS ratings
    SET review_count = ratings.review_count - gone.review_count,
        rating_total = ratings.rating_total - gone.rating_total
  FROM (
    SELECT product_id, count(*) AS review_count, sum(rating) AS rating_total
    FROM removed GROUP BY product_id
  ) AS gone
  WHERE ratings.product_id = gone.product_id;
  INSERT INTO product_ratings AS ratings (product_id, review_count, rating_total)
  SELECT product_id, count(*), sum(rating) FROM added GROUP BY product_id ORDER BY product_id
  ON CONFLICT (product_id) DO UPDATE
    SET review_count = ratings.review_count + excluded.review_count,
        rating_total = ratings.rating_total + excluded.rating_total;
  RETURN NULL;
END
$$;
--> statement-breakpoint
CREATE TRIGGER reviews_added_to_ratings AFTER INSERT ON reviews
  REFERENCING NEW TABLE AS added FOR EACH STATEMENT EXECUTE FUNCTION product_ratings_add_reviews();
--> statement-breakpoint
CREATE TRIGGER reviews_removed_from_ratings AFTER DELETE ON reviews
  REFERENCING OLD TABLE AS removed FOR EACH STATEMENT EXECUTE FUNCTION product_ratings_remove_reviews();
--> statement-breakpoint
CREATE TRIGGER reviews_changed_in_ratings AFTER UPDATE ON reviews
  REFERENCING OLD TABLE AS removed NEW TABLE AS added FOR EACH STATEMENT EXECUTE FUNCTION product_ratings_change_reviews();
--> statement-breakpoint
-- Reviews written before this migration.
INSERT INTO product_ratings (product_id, review_count, rating_total)
SELECT product_id, count(*), sum(rating) FROM reviews GROUP BY product_id
ON CONFLICT (product_id) DO NOTHING;
