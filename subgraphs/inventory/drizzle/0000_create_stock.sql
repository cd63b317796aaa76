CREATE TABLE "stock" (
	"product_id" uuid PRIMARY KEY NOT NULL,
	"sku" text,
	"available" integer DEFAULT 0 NOT NULL,
	"reserved" integer DEFAULT 0 NOT NULL,
	"updated_at" timestamp (3) with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "stock_sku_unique" UNIQUE("sku"),
	CONSTRAINT "stock_available_not_negative" CHECK ("stock"."available" >= 0),
	CONSTRAINT "stock_reserved_not_negative" CHECK ("stock"."reserved" >= 0)
);
--> statement-breakpoint
CREATE INDEX "stock_low_stock_idx" ON "stock" USING btree ("available","sku") WHERE "stock"."sku" is not null;