CREATE TABLE "bridge_dead_letters" (
	"id" bigint PRIMARY KEY NOT NULL,
	"route" text NOT NULL,
	"topic" text NOT NULL,
	"key" "bytea",
	"value" "bytea",
	"headers" jsonb NOT NULL,
	"created_at" timestamp with time zone NOT NULL,
	"attempts" integer NOT NULL,
	"error" text NOT NULL,
	"failed_at" timestamp with time zone NOT NULL
);
--> statement-breakpoint
CREATE TABLE "bridge_queue" (
	"id" bigserial PRIMARY KEY NOT NULL,
	"route" text NOT NULL,
	"topic" text NOT NULL,
	"key" "bytea",
	"value" "bytea",
	"headers" jsonb NOT NULL,
	"created_at" timestamp with time zone NOT NULL,
	"attempts" integer DEFAULT 0 NOT NULL,
	"last_error" text
);
--> statement-breakpoint
CREATE TABLE "secrets" (
	"namespace" text COLLATE "C" NOT NULL,
	"name" text COLLATE "C" NOT NULL,
	"ciphertext" text NOT NULL,
	"updated_at" timestamp with time zone NOT NULL,
	CONSTRAINT "secrets_namespace_name_pk" PRIMARY KEY("namespace","name")
);
--> statement-breakpoint
CREATE INDEX "bridge_queue_created_idx" ON "bridge_queue" USING btree ("created_at");