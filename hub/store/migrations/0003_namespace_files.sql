CREATE TABLE "namespace_file_revisions" (
	"namespace" text COLLATE "C" NOT NULL,
	"path" text COLLATE "C" NOT NULL,
	"revision" integer NOT NULL,
	"size" integer NOT NULL,
	"content" "bytea",
	"deleted" boolean DEFAULT false NOT NULL,
	"created_at" timestamp with time zone NOT NULL,
	CONSTRAINT "namespace_file_revisions_namespace_path_revision_pk" PRIMARY KEY("namespace","path","revision")
);
--> statement-breakpoint
CREATE TABLE "namespace_files" (
	"namespace" text COLLATE "C" NOT NULL,
	"path" text COLLATE "C" NOT NULL,
	"revision" integer NOT NULL,
	"size" integer NOT NULL,
	"deleted" boolean DEFAULT false NOT NULL,
	"updated_at" timestamp with time zone NOT NULL,
	CONSTRAINT "namespace_files_namespace_path_pk" PRIMARY KEY("namespace","path")
);
