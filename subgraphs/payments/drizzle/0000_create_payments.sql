CREATE TABLE "dead_letters" (
	"event_id" text NOT NULL,
	"consumer" text NOT NULL,
	"producer" text,
	"type" text,
	"version" integer,
	"reason" text NOT NULL,
	"detail" text NOT NULL,
	"envelope" jsonb NOT NULL,
	"attempts" integer NOT NULL,
	"dead_lettered_at" timestamp (3) with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "dead_letters_event_id_consumer_pk" PRIMARY KEY("event_id","consumer")
);
--> statement-breakpoint
CREATE TABLE "inbox" (
	"event_id" uuid NOT NULL,
	"consumer" text NOT NULL,
	"type" text NOT NULL,
	"processed_at" timestamp (3) with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "inbox_event_id_consumer_pk" PRIMARY KEY("event_id","consumer")
);
--> statement-breakpoint
CREATE TABLE "outbox" (
	"id" uuid PRIMARY KEY NOT NULL,
	"producer" text NOT NULL,
	"type" text NOT NULL,
	"version" integer NOT NULL,
	"payload" jsonb NOT NULL,
	"trace_context" jsonb NOT NULL,
	"occurred_at" timestamp (3) with time zone DEFAULT now() NOT NULL,
	"attempts" integer DEFAULT 0 NOT NULL,
	"next_attempt_at" timestamp (3) with time zone DEFAULT now() NOT NULL,
	"last_error" text,
	"sent_at" timestamp (3) with time zone
);
--> statement-breakpoint
CREATE TABLE "payments" (
	"id" uuid PRIMARY KEY NOT NULL,
	"order_id" uuid NOT NULL,
	"user_id" uuid NOT NULL,
	"status" text NOT NULL,
	"amount" integer NOT NULL,
	"currency" text NOT NULL,
	"decline_reason" text,
	"processor_reference" text NOT NULL,
	"created_at" timestamp (3) with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp (3) with time zone DEFAULT now() NOT NULL,
	"refunded_at" timestamp (3) with time zone,
	CONSTRAINT "payments_one_per_order" UNIQUE("order_id"),
	CONSTRAINT "payments_status_known" CHECK ("payments"."status" in ('CHARGED', 'DECLINED', 'REFUNDED')),
	CONSTRAINT "payments_amount_not_negative" CHECK ("payments"."amount" >= 0),
	CONSTRAINT "payments_currency_code" CHECK ("payments"."currency" ~ '^[A-Z]{3}$'),
	CONSTRAINT "payments_decline_reason_iff_declined" CHECK (("payments"."status" = 'DECLINED') = ("payments"."decline_reason" is not null)),
	CONSTRAINT "payments_refunded_at_iff_refunded" CHECK (("payments"."status" = 'REFUNDED') = ("payments"."refunded_at" is not null))
);
--> statement-breakpoint
CREATE TABLE "processor_operations" (
	"idempotency_key" text PRIMARY KEY NOT NULL,
	"kind" text NOT NULL,
	"reference" uuid NOT NULL,
	"token" text NOT NULL,
	"amount" integer NOT NULL,
	"currency" text NOT NULL,
	"charge_reference" uuid,
	"attempts" integer DEFAULT 0 NOT NULL,
	"outcome" text,
	"decline_reason" text,
	"created_at" timestamp (3) with time zone DEFAULT now() NOT NULL,
	"completed_at" timestamp (3) with time zone,
	CONSTRAINT "processor_operations_reference" UNIQUE("reference"),
	CONSTRAINT "processor_operations_kind_known" CHECK ("processor_operations"."kind" in ('charge', 'refund')),
	CONSTRAINT "processor_operations_outcome_known" CHECK ("processor_operations"."outcome" is null or "processor_operations"."outcome" in ('succeeded', 'declined')),
	CONSTRAINT "processor_operations_refund_names_charge" CHECK (("processor_operations"."kind" = 'refund') = ("processor_operations"."charge_reference" is not null))
);
--> statement-breakpoint
CREATE INDEX "outbox_unsent_idx" ON "outbox" USING btree ("next_attempt_at","id") WHERE "outbox"."sent_at" is null;--> statement-breakpoint
CREATE INDEX "outbox_sent_idx" ON "outbox" USING btree ("sent_at") WHERE "outbox"."sent_at" is not null;--> statement-breakpoint
CREATE INDEX "processor_operations_charge_reference_idx" ON "processor_operations" USING btree ("charge_reference");