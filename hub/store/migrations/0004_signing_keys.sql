CREATE TABLE "signing_keys" (
	"public_key" text PRIMARY KEY NOT NULL,
	"state" text NOT NULL,
	"private_key" text,
	"endorsed_by" text,
	"endorsement" text,
	"created_at" timestamp with time zone NOT NULL
);
--> statement-breakpoint
CREATE UNIQUE INDEX "signing_keys_one_per_state" ON "signing_keys" USING btree ("state") WHERE "signing_keys"."state" <> 'retired';