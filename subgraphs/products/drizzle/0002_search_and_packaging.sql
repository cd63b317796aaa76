ALTER TABLE "categories" ADD COLUMN "packaging_grams" integer DEFAULT 200 NOT NULL;--> statement-breakpoint
CREATE INDEX "products_name_trgm_idx" ON "products" USING gin ("name" gin_trgm_ops) WITH (fastupdate=false);--> statement-breakpoint
ALTER TABLE "categories" ADD CONSTRAINT "categories_packaging_not_negative" CHECK ("categories"."packaging_grams" >= 0);