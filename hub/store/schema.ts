/** The hub's PostgreSQL schema (drizzle pg-core); `npm run db:generate` turns a change into a migration. */
import { sql } from 'drizzle-orm';
import {
  bigint,
  bigserial,
  boolean,
  customType,
  index,
  integer,
  pgTable,
  primaryKey,
  timestamp,
  uniqueIndex,
} from 'drizzle-orm/pg-core';
import { jsonText, storableText } from './json.js';

// Rows that hold a whole record keep it as JSON in `doc` (or `flow`); the other
// columns are copies of the fields we filter, sort or join on.

/** `jsonb` written with {@link jsonText}, so that a NUL or a lone surrogate in a record cannot fail its batch. */
// Results need no mapping: PGlite and postgres.js both parse jsonb.
const jsonb = customType<{ data: unknown; driverData: unknown }>({
  dataType: () => 'jsonb',
  toDriver: (value) => jsonText(value),
});

/**
 * `text` written with {@link storableText}: NUL and unpaired surrogates, which PostgreSQL refuses, become
 * U+FFFD. Comparisons in queries go through it too, so a filter holding them matches nothing instead of failing.
 */
const text = customType<{ data: string }>({ dataType: () => 'text', toDriver: storableText });

/**
 * Identifiers (namespaces, flow, execution and agent ids) compare byte by
 * byte, whatever the database's locale: lists sort the same on every server,
 * ids made by `newId` sort by creation time, and a plain btree index serves
 * `LIKE 'prefix%'`.
 */
const ident = customType<{ data: string }>({
  dataType: () => 'text COLLATE "C"',
  toDriver: storableText,
});

const createdAt = () => timestamp('created_at', { withTimezone: true, mode: 'date' }).notNull();

/** The latest revision of each flow, deleted or not: what lists and lookups read. */
export const flows = pgTable(
  'flows',
  {
    namespace: ident('namespace').notNull(),
    id: ident('id').notNull(),
    revision: integer('revision').notNull(),
    source: text('source').notNull(),
    flow: jsonb('flow').notNull(),
    deleted: boolean('deleted').notNull().default(false),
    createdAt: createdAt(),
    updatedAt: timestamp('updated_at', { withTimezone: true, mode: 'date' }).notNull(),
  },
  // The primary key's index also serves the namespace filter (sub-namespaces are a LIKE prefix).
  (t) => [primaryKey({ columns: [t.namespace, t.id] })],
);

/** Every revision of every flow, source kept verbatim; a delete is a revision too. */
export const flowRevisions = pgTable(
  'flow_revisions',
  {
    namespace: ident('namespace').notNull(),
    id: ident('id').notNull(),
    revision: integer('revision').notNull(),
    source: text('source').notNull(),
    flow: jsonb('flow').notNull(),
    deleted: boolean('deleted').notNull().default(false),
    createdAt: createdAt(),
  },
  (t) => [primaryKey({ columns: [t.namespace, t.id, t.revision] })],
);

export const executions = pgTable(
  'executions',
  {
    id: ident('id').primaryKey(),
    namespace: ident('namespace').notNull(),
    flowId: ident('flow_id').notNull(),
    flowRevision: integer('flow_revision').notNull(),
    state: text('state').notNull(),
    /** Null for executions run by the hub. */
    agentId: ident('agent_id'),
    labels: jsonb('labels').notNull(),
    startDate: timestamp('start_date', { withTimezone: true, mode: 'string' }).notNull(),
    endDate: timestamp('end_date', { withTimezone: true, mode: 'string' }),
    doc: jsonb('doc').notNull(),
  },
  (t) => [
    index('executions_flow_idx').on(t.namespace, t.flowId, t.startDate),
    index('executions_state_idx').on(t.state, t.startDate),
    index('executions_agent_idx').on(t.agentId, t.startDate),
    // The list's keyset order is (start_date desc, id desc).
    index('executions_start_idx').on(t.startDate, t.id),
    index('executions_end_idx').on(t.endDate),
    index('executions_labels_idx').using('gin', t.labels.op('jsonb_path_ops')),
  ],
);

export const taskRuns = pgTable(
  'task_runs',
  {
    id: text('id').primaryKey(),
    executionId: text('execution_id').notNull(),
    /** Creation order (an upsert keeps it): task runs are read back in the order they were first saved. */
    seq: bigserial('seq', { mode: 'number' }).notNull(),
    state: text('state').notNull(),
    doc: jsonb('doc').notNull(),
  },
  (t) => [index('task_runs_execution_idx').on(t.executionId, t.seq)],
);

export const logs = pgTable(
  'logs',
  {
    id: bigserial('id', { mode: 'number' }).primaryKey(),
    executionId: text('execution_id').notNull(),
    taskRunId: text('task_run_id'),
    taskId: text('task_id'),
    attempt: integer('attempt'),
    level: text('level').notNull(),
    ts: timestamp('ts', { withTimezone: true, mode: 'date' }).notNull(),
    message: text('message').notNull(),
  },
  (t) => [index('logs_execution_idx').on(t.executionId, t.id)],
);

export const kv = pgTable(
  'kv',
  {
    namespace: text('namespace').notNull(),
    key: text('key').notNull(),
    value: jsonb('value').notNull(),
    expiresAt: timestamp('expires_at', { withTimezone: true, mode: 'date' }),
  },
  (t) => [primaryKey({ columns: [t.namespace, t.key] })],
);

export const agents = pgTable(
  'agents',
  {
    id: ident('id').primaryKey(),
    labels: jsonb('labels').notNull(),
    /** SHA-256 (hex) of the broker password; null once decommissioned. */
    tokenHash: text('token_hash'),
    createdAt: createdAt(),
    decommissioned: boolean('decommissioned').notNull().default(false),
    online: boolean('online').notNull().default(false),
    lastSeenAt: timestamp('last_seen_at', { withTimezone: true, mode: 'date' }),
    version: text('version'),
    status: jsonb('status').notNull(),
  },
  (t) => [index('agents_labels_idx').using('gin', t.labels.op('jsonb_path_ops'))],
);

export const apiTokens = pgTable('api_tokens', {
  id: text('id').primaryKey(),
  name: text('name').notNull(),
  prefix: text('prefix').notNull(),
  /** SHA-256 (hex) of the token: the secret itself is never stored. */
  hash: text('hash').notNull().unique(),
  createdAt: createdAt(),
  lastUsedAt: timestamp('last_used_at', { withTimezone: true, mode: 'date' }),
  revokedAt: timestamp('revoked_at', { withTimezone: true, mode: 'date' }),
});

/** Highest record `seq` stored per agent: what the hub acks (docs/protocol.md). */
export const agentSync = pgTable('agent_sync', {
  agentId: text('agent_id').primaryKey(),
  lastSeq: bigint('last_seq', { mode: 'number' }).notNull(),
  /** The id of the agent store the mark counts in; null until an agent that sends one is heard. */
  storeId: text('store_id'),
});

/** Every `(agent, seq)` stored, so that a re-sent record is recognised and stored once. */
export const agentRecords = pgTable(
  'agent_records',
  {
    agentId: text('agent_id').notNull(),
    seq: bigint('seq', { mode: 'number' }).notNull(),
  },
  (t) => [primaryKey({ columns: [t.agentId, t.seq] })],
);

/** Durable state of the hub's triggers (schedule dates, payload hashes): one row per trigger and key. */
export const triggerState = pgTable(
  'trigger_state',
  {
    namespace: ident('namespace').notNull(),
    flowId: ident('flow_id').notNull(),
    triggerId: ident('trigger_id').notNull(),
    key: text('key').notNull(),
    value: jsonb('value').notNull(),
  },
  (t) => [primaryKey({ columns: [t.namespace, t.flowId, t.triggerId, t.key] })],
);

/**
 * Secrets for `secret('NAME')` on the hub, encrypted with AES-256-GCM
 * (hub/secrets/); `namespace` is '' for a global secret.
 */
export const secrets = pgTable(
  'secrets',
  {
    namespace: ident('namespace').notNull(),
    name: ident('name').notNull(),
    /** `v1:` then base64 of IV, tag and ciphertext, each separated by `:`. */
    ciphertext: text('ciphertext').notNull(),
    updatedAt: timestamp('updated_at', { withTimezone: true, mode: 'date' }).notNull(),
  },
  (t) => [primaryKey({ columns: [t.namespace, t.name] })],
);

const bytea = customType<{ data: Buffer; driverData: Uint8Array }>({
  dataType: () => 'bytea',
  fromDriver: (value) => Buffer.from(value),
});

/** Records the Kafka bridge has yet to deliver, oldest first; deleted once Kafka acknowledged them. */
export const bridgeQueue = pgTable(
  'bridge_queue',
  {
    id: bigserial('id', { mode: 'number' }).primaryKey(),
    route: text('route').notNull(),
    topic: text('topic').notNull(),
    key: bytea('key'),
    value: bytea('value'),
    headers: jsonb('headers').notNull(),
    createdAt: createdAt(),
    /** Sends Kafka refused (unavailability does not count). */
    attempts: integer('attempts').notNull().default(0),
    lastError: text('last_error'),
  },
  (t) => [index('bridge_queue_created_idx').on(t.createdAt)],
);

/** Records the bridge gave up on: refused too often, or queued longer than the bridge keeps them. */
export const bridgeDeadLetters = pgTable('bridge_dead_letters', {
  id: bigint('id', { mode: 'number' }).primaryKey(),
  route: text('route').notNull(),
  topic: text('topic').notNull(),
  key: bytea('key'),
  value: bytea('value'),
  headers: jsonb('headers').notNull(),
  createdAt: createdAt(),
  attempts: integer('attempts').notNull(),
  error: text('error').notNull(),
  failedAt: timestamp('failed_at', { withTimezone: true, mode: 'date' }).notNull(),
});

/**
 * The latest revision of each namespace file, deleted or not (a delete is a tombstone revision); the
 * bytes live in `namespace_file_revisions`. `path` is normalised (no leading slash, see runtime/namespace-files.ts).
 */
export const namespaceFiles = pgTable(
  'namespace_files',
  {
    namespace: ident('namespace').notNull(),
    path: ident('path').notNull(),
    revision: integer('revision').notNull(),
    size: integer('size').notNull(),
    deleted: boolean('deleted').notNull().default(false),
    updatedAt: timestamp('updated_at', { withTimezone: true, mode: 'date' }).notNull(),
  },
  (t) => [primaryKey({ columns: [t.namespace, t.path] })],
);

/** Every revision of every namespace file, bytes as written (`bytea`: contents may be binary); null for a delete. */
export const namespaceFileRevisions = pgTable(
  'namespace_file_revisions',
  {
    namespace: ident('namespace').notNull(),
    path: ident('path').notNull(),
    revision: integer('revision').notNull(),
    size: integer('size').notNull(),
    content: bytea('content'),
    deleted: boolean('deleted').notNull().default(false),
    createdAt: createdAt(),
  },
  (t) => [primaryKey({ columns: [t.namespace, t.path, t.revision] })],
);

/**
 * Rollouts of flow revisions to agents (hub/rollouts/): the whole record in `doc`, with copies of the
 * columns lists filter and sort on.
 */
export const rollouts = pgTable(
  'rollouts',
  {
    id: ident('id').primaryKey(),
    namespace: ident('namespace').notNull(),
    flowId: ident('flow_id').notNull(),
    status: text('status').notNull(),
    doc: jsonb('doc').notNull(),
    createdAt: createdAt(),
  },
  (t) => [index('rollouts_flow_idx').on(t.namespace, t.flowId, t.id)],
);

/**
 * Agent bundles the hub can send to its agents (docs/rollouts.md, "Agent versions"): the archive as
 * uploaded and its SHA-256 (signed by the hub whenever a desired state names it).
 */
export const agentVersions = pgTable('agent_versions', {
  version: ident('version').primaryKey(),
  /** Hex. */
  sha256: text('sha256').notNull(),
  size: integer('size').notNull(),
  content: bytea('content').notNull(),
  createdAt: createdAt(),
});

/**
 * Agent passwords the hub has yet to hand to the broker whose logins it manages (hub/broker/managed-logins.ts):
 * a row is written before the broker is told and removed once it confirms, so that a broker out of reach, or a
 * hub that stops in between, delays the login instead of losing it. The broker keeps only a salted hash, and
 * the hub only the token's hash, so this is the one place the token waits.
 */
export const brokerLoginsPending = pgTable('broker_logins_pending', {
  agentId: ident('agent_id').primaryKey(),
  /** The agent's token, `v1:` ciphertext when the hub has a secret key (TERN_SECRET_KEY). */
  password: text('password').notNull(),
  createdAt: createdAt(),
});

/** Every table, for drizzle's typed queries. */
export const schema = {
  flows,
  flowRevisions,
  executions,
  taskRuns,
  logs,
  kv,
  agents,
  apiTokens,
  agentSync,
  agentRecords,
  triggerState,
  secrets,
  bridgeQueue,
  bridgeDeadLetters,
  namespaceFiles,
  namespaceFileRevisions,
  rollouts,
  agentVersions,
  brokerLoginsPending,
};

/**
 * The hub's Ed25519 keys for what it signs for agents (hub/signing/): one `current` (signs), at most
 * one `next` (announced, endorsed by the current one), and `retired` ones, kept without their private
 * key for the endorsement that carries agents from one key to the next.
 */
export const signingKeys = pgTable(
  'signing_keys',
  {
    /** base64url of the 32 raw bytes. */
    publicKey: text('public_key').primaryKey(),
    state: text('state').notNull(),
    /** PKCS#8 PEM, or `v1:` ciphertext with the hub's secret key; null once retired. */
    privateKey: text('private_key'),
    /** The key that endorsed this one, and its signature (base64url); null for the first key. */
    endorsedBy: text('endorsed_by'),
    endorsement: text('endorsement'),
    createdAt: createdAt(),
  },
  // One current and one next at most, even when several hubs start together on one database.
  (t) => [uniqueIndex('signing_keys_one_per_state').on(t.state).where(sql`${t.state} <> 'retired'`)],
);
