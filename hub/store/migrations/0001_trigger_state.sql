CREATE TABLE "trigger_state" (
	"namespace" text COLLATE "C" NOT NULL,
	"flow_id" text COLLATE "C" NOT NULL,
	"trigger_id" text COLLATE "C" NOT NULL,
	"key" text NOT NULL,
	"value" jsonb NOT NULL,
	CONSTRAINT "trigger_state_namespace_flow_id_trigger_id_key_pk" PRIMARY KEY("namespace","flow_id","trigger_id","key")
);
