CREATE TABLE "operations" (
	"hash" text PRIMARY KEY NOT NULL,
	"name" text,
	"signature" text NOT NULL,
	"coordinates" text[] NOT NULL,
	"last_seen" timestamp (3) with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "subgraphs" (
	"name" text PRIMARY KEY NOT NULL,
	"created_at" timestamp (3) with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "tokens" (
	"id" serial PRIMARY KEY NOT NULL,
	"subgraph" text NOT NULL,
	"label" text NOT NULL,
	"hash" text NOT NULL,
	"created_at" timestamp (3) with time zone DEFAULT now() NOT NULL,
	"revoked_at" timestamp (3) with time zone,
	CONSTRAINT "tokens_hash_unique" UNIQUE("hash")
);
--> statement-breakpoint
CREATE TABLE "usage_hourly" (
	"hour" timestamp with time zone NOT NULL,
	"operation_hash" text NOT NULL,
	"client_name" text NOT NULL,
	"client_version" text NOT NULL,
	"count" bigint NOT NULL,
	"errors" bigint NOT NULL,
	CONSTRAINT "usage_hourly_hour_operation_hash_client_name_client_version_pk" PRIMARY KEY("hour","operation_hash","client_name","client_version")
);
--> statement-breakpoint
CREATE TABLE "versions" (
	"id" serial PRIMARY KEY NOT NULL,
	"hash" text NOT NULL,
	"supergraph_sdl" text NOT NULL,
	"api_sdl" text NOT NULL,
	"subgraphs" jsonb NOT NULL,
	"subgraph" text NOT NULL,
	"publisher" text NOT NULL,
	"commit" text,
	"changes" jsonb NOT NULL,
	"created_at" timestamp (3) with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
ALTER TABLE "tokens" ADD CONSTRAINT "tokens_subgraph_subgraphs_name_fk" FOREIGN KEY ("subgraph") REFERENCES "public"."subgraphs"("name") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "usage_hourly" ADD CONSTRAINT "usage_hourly_operation_hash_operations_hash_fk" FOREIGN KEY ("operation_hash") REFERENCES "public"."operations"("hash") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "operations_coordinates_idx" ON "operations" USING gin ("coordinates");--> statement-breakpoint
CREATE INDEX "tokens_subgraph_idx" ON "tokens" USING btree ("subgraph");--> statement-breakpoint
CREATE INDEX "usage_hourly_operation_idx" ON "usage_hourly" USING btree ("operation_hash");