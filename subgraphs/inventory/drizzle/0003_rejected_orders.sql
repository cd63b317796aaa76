CREATE TABLE "rejected_orders" (
	"order_id" uuid PRIMARY KEY NOT NULL,
	"rejected_at" timestamp (3) with time zone DEFAULT now() NOT NULL
);
