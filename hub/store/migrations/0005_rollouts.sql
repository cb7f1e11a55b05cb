CREATE TABLE "rollouts" (
	"id" text COLLATE "C" PRIMARY KEY NOT NULL,
	"namespace" text COLLATE "C" NOT NULL,
	"flow_id" text COLLATE "C" NOT NULL,
	"status" text NOT NULL,
	"doc" jsonb NOT NULL,
	"created_at" timestamp with time zone NOT NULL
);
--> statement-breakpoint
CREATE INDEX "rollouts_flow_idx" ON "rollouts" USING btree ("namespace","flow_id","id");