CREATE TABLE "agent_records" (
	"agent_id" text NOT NULL,
	"seq" bigint NOT NULL,
	CONSTRAINT "agent_records_agent_id_seq_pk" PRIMARY KEY("agent_id","seq")
);
--> statement-breakpoint
CREATE TABLE "agent_sync" (
	"agent_id" text PRIMARY KEY NOT NULL,
	"last_seq" bigint NOT NULL
);
--> statement-breakpoint
CREATE TABLE "agents" (
	"id" text COLLATE "C" PRIMARY KEY NOT NULL,
	"labels" jsonb NOT NULL,
	"token_hash" text,
	"created_at" timestamp with time zone NOT NULL,
	"decommissioned" boolean DEFAULT false NOT NULL,
	"online" boolean DEFAULT false NOT NULL,
	"last_seen_at" timestamp with time zone,
	"version" text,
	"status" jsonb NOT NULL
);
--> statement-breakpoint
CREATE TABLE "api_tokens" (
	"id" text PRIMARY KEY NOT NULL,
	"name" text NOT NULL,
	"prefix" text NOT NULL,
	"hash" text NOT NULL,
	"created_at" timestamp with time zone NOT NULL,
	"last_used_at" timestamp with time zone,
	"revoked_at" timestamp with time zone,
	CONSTRAINT "api_tokens_hash_unique" UNIQUE("hash")
);
--> statement-breakpoint
CREATE TABLE "executions" (
	"id" text COLLATE "C" PRIMARY KEY NOT NULL,
	"namespace" text COLLATE "C" NOT NULL,
	"flow_id" text COLLATE "C" NOT NULL,
	"flow_revision" integer NOT NULL,
	"state" text NOT NULL,
	"agent_id" text COLLATE "C",
	"labels" jsonb NOT NULL,
	"start_date" timestamp with time zone NOT NULL,
	"end_date" timestamp with time zone,
	"doc" jsonb NOT NULL
);
--> statement-breakpoint
CREATE TABLE "flow_revisions" (
	"namespace" text COLLATE "C" NOT NULL,
	"id" text COLLATE "C" NOT NULL,
	"revision" integer NOT NULL,
	"source" text NOT NULL,
	"flow" jsonb NOT NULL,
	"deleted" boolean DEFAULT false NOT NULL,
	"created_at" timestamp with time zone NOT NULL,
	CONSTRAINT "flow_revisions_namespace_id_revision_pk" PRIMARY KEY("namespace","id","revision")
);
--> statement-breakpoint
CREATE TABLE "flows" (
	"namespace" text COLLATE "C" NOT NULL,
	"id" text COLLATE "C" NOT NULL,
	"revision" integer NOT NULL,
	"source" text NOT NULL,
	"flow" jsonb NOT NULL,
	"deleted" boolean DEFAULT false NOT NULL,
	"created_at" timestamp with time zone NOT NULL,
	"updated_at" timestamp with time zone NOT NULL,
	CONSTRAINT "flows_namespace_id_pk" PRIMARY KEY("namespace","id")
);
--> statement-breakpoint
CREATE TABLE "kv" (
	"namespace" text NOT NULL,
	"key" text NOT NULL,
	"value" jsonb NOT NULL,
	"expires_at" timestamp with time zone,
	CONSTRAINT "kv_namespace_key_pk" PRIMARY KEY("namespace","key")
);
--> statement-breakpoint
CREATE TABLE "logs" (
	"id" bigserial PRIMARY KEY NOT NULL,
	"execution_id" text NOT NULL,
	"task_run_id" text,
	"task_id" text,
	"attempt" integer,
	"level" text NOT NULL,
	"ts" timestamp with time zone NOT NULL,
	"message" text NOT NULL
);
--> statement-breakpoint
CREATE TABLE "task_runs" (
	"id" text PRIMARY KEY NOT NULL,
	"execution_id" text NOT NULL,
	"seq" bigserial NOT NULL,
	"state" text NOT NULL,
	"doc" jsonb NOT NULL
);
--> statement-breakpoint
CREATE INDEX "agents_labels_idx" ON "agents" USING gin ("labels" jsonb_path_ops);--> statement-breakpoint
CREATE INDEX "executions_flow_idx" ON "executions" USING btree ("namespace","flow_id","start_date");--> statement-breakpoint
CREATE INDEX "executions_state_idx" ON "executions" USING btree ("state","start_date");--> statement-breakpoint
CREATE INDEX "executions_agent_idx" ON "executions" USING btree ("agent_id","start_date");--> statement-breakpoint
CREATE INDEX "executions_start_idx" ON "executions" USING btree ("start_date","id");--> statement-breakpoint
CREATE INDEX "executions_end_idx" ON "executions" USING btree ("end_date");--> statement-breakpoint
CREATE INDEX "executions_labels_idx" ON "executions" USING gin ("labels" jsonb_path_ops);--> statement-breakpoint
CREATE INDEX "logs_execution_idx" ON "logs" USING btree ("execution_id","id");--> statement-breakpoint
CREATE INDEX "task_runs_execution_idx" ON "task_runs" USING btree ("execution_id","seq");