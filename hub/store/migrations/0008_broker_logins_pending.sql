CREATE TABLE "broker_logins_pending" (
	"agent_id" text COLLATE "C" PRIMARY KEY NOT NULL,
	"password" text NOT NULL,
	"created_at" timestamp with time zone NOT NULL
);
