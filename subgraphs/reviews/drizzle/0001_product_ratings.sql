CREATE TABLE "product_ratings" (
	"product_id" uuid PRIMARY KEY NOT NULL,
	"review_count" integer NOT NULL,
	"rating_total" integer NOT NULL,
	CONSTRAINT "product_ratings_count_not_negative" CHECK ("product_ratings"."review_count" >= 0),
	CONSTRAINT "product_ratings_total_in_range" CHECK ("product_ratings"."rating_total" between "product_ratings"."review_count" and 5 * "product_ratings"."review_count")
);
