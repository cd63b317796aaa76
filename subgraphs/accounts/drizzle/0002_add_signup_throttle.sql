CREATE TABLE "signup_throttle" (
	"key" text PRIMARY KEY NOT NULL,
	"window_started_at" timestamp (3) with time zone NOT NULL,
	"attempts" integer NOT NULL
);
--> statement-breakpoint
CREATE INDEX "signup_throttle_window_started_at" ON "signup_throttle" USING btree ("window_started_at");