/**
 * The hub's storage contract: what the API, the fleet and the engine need
 * from PostgreSQL. One implementation (drizzle), used through PGlite or
 * postgres.js.
 */

import type { Execution, LogLevel, LogLine, TaskRun } from '../../protocol/execution.js';
import type { Flow } from '../../protocol/flow.js';
import type { CommandResult, TriggerStatus, TriggerToggle } from '../../protocol/messages.js';
import type { NamespaceFileStore } from '../../protocol/plugin.js';
import type { State } from '../../protocol/states.js';
import type { ExecutionStore } from '../../runtime/engine/ports.js';
import type { TriggerStateStore } from '../../runtime/triggers/ports.js';
import type { AgentRow, ApiTokenInfo, FlowRecordRow, FlowRevisionRow } from './records.js';
import type { Rollout, RolloutStatus } from './rollout-records.js';

export type { AgentRow, ApiTokenInfo, FlowRecordRow, FlowRevisionRow };

/** A page of results and the opaque cursor of the next page (absent on the last page). */
export interface Page<T> {
  items: T[];
  nextCursor?: string;
}

export interface PageRequest {
  /** Opaque cursor from a previous page; an invalid cursor throws a TernError('BAD_REQUEST'). */
  cursor?: string;
  /** 1–500, default 50. */
  limit?: number;
}

export interface FlowFilter extends PageRequest {
  /** Exact namespace, or a parent namespace: `plant` matches `plant` and `plant.line1`. */
  namespace?: string;
  /** Case-insensitive substring of id, namespace or description. */
  q?: string;
  includeDeleted?: boolean;
}

export interface SaveFlowResult {
  row: FlowRecordRow;
  /** 'created' for a new flow (or one re-created after delete), 'updated' for a new revision, 'unchanged' if the source is identical. */
  outcome: 'created' | 'updated' | 'unchanged';
}

export interface FlowRepository {
  list(filter: FlowFilter): Promise<Page<FlowRecordRow>>;
  /** The latest revision; deleted flows only with `includeDeleted`. */
  get(
    namespace: string,
    id: string,
    options?: { includeDeleted?: boolean },
  ): Promise<FlowRecordRow | undefined>;
  getRevision(namespace: string, id: string, revision: number): Promise<FlowRevisionRow | undefined>;
  revisions(namespace: string, id: string): Promise<FlowRevisionRow[]>;
  /** Stores a new revision when the source differs from the latest; one transaction. */
  save(flow: Flow, source: string): Promise<SaveFlowResult>;
  /** Soft delete: a new revision marked deleted; history stays. False when there was no such live flow. */
  delete(namespace: string, id: string): Promise<boolean>;
}

export interface ExecutionFilter extends PageRequest {
  namespace?: string;
  flowId?: string;
  state?: State[];
  /** Agent id, or 'hub' for executions run by the hub. */
  agent?: string;
  /** Every pair must match. */
  labels?: Record<string, string>;
  /** ISO-8601 bounds on the start date. */
  from?: string;
  to?: string;
}

export interface LogFilter extends PageRequest {
  /** Minimum level. */
  level?: LogLevel;
  taskId?: string;
  taskRunId?: string;
}

/** Width of the buckets of {@link ExecutionQueries.stats}. */
export type StatsInterval = 'minute' | 'hour' | 'day';

export interface ExecutionStatsFilter {
  namespace?: string;
  flowId?: string;
  /** Agent id, or 'hub'. */
  agent?: string;
  /** ISO-8601 bounds on the start date: `from` inclusive, `to` exclusive. */
  from: string;
  to: string;
  interval: StatsInterval;
}

/** How many executions started in one bucket, by state; buckets without executions are left out. */
export interface StatsBucket {
  /** Start of the bucket (UTC, ISO-8601). */
  start: string;
  counts: Partial<Record<State, number>>;
}

export interface ExecutionQueries {
  list(filter: ExecutionFilter): Promise<Page<Execution>>;
  /** Executions counted by start bucket and current state, oldest bucket first. */
  stats(filter: ExecutionStatsFilter): Promise<StatsBucket[]>;
  get(id: string): Promise<{ execution: Execution; taskRuns: TaskRun[] } | undefined>;
  logs(executionId: string, filter: LogFilter): Promise<Page<LogLine>>;
}

/** What revoking a token did: `last-live-token` is refused, the hub would have no live token left. */
export type RevokeOutcome = 'revoked' | 'not-found' | 'last-live-token';

/** A chosen token made sure of: its stored info (`revokedAt` set when it no longer works), and whether it was new. */
export interface AdoptedToken {
  info: ApiTokenInfo;
  created: boolean;
}

export interface TokenRepository {
  /** Creates a token; the secret is returned only here, only its hash is stored. */
  create(name: string, token?: string): Promise<{ token: string; info: ApiTokenInfo }>;
  /** Stores a chosen token unless it already is (live or revoked), and says which. */
  adopt(name: string, token: string): Promise<AdoptedToken>;
  /** The live token's info, or undefined (unknown or revoked). */
  verify(token: string): Promise<ApiTokenInfo | undefined>;
  list(): Promise<ApiTokenInfo[]>;
  /** Revokes a live token; never the last live one. */
  revoke(id: string): Promise<RevokeOutcome>;
  /** How many live tokens there are. */
  count(): Promise<number>;
}

/** The triggers of one flow an agent last reported running (its status' `triggers`, kept while it is offline). */
export interface AgentFlowTriggers {
  agentId: string;
  online: boolean;
  triggers: TriggerStatus[];
}

export interface AgentRepository {
  /** Registers (or re-registers) an agent and returns its new broker password, shown once. */
  register(id: string, labels: Record<string, string>): Promise<{ token: string; agent: AgentRow }>;
  get(id: string): Promise<AgentRow | undefined>;
  list(filter: PageRequest & { labels?: Record<string, string> }): Promise<Page<AgentRow>>;
  setLabels(id: string, labels: Record<string, string>): Promise<AgentRow | undefined>;
  /** Marks the agent decommissioned and invalidates its credentials. */
  decommission(id: string): Promise<boolean>;
  /** Replaces a live agent's broker password and returns the new one, shown once; undefined when unknown or decommissioned. */
  rotateToken(id: string): Promise<string | undefined>;
  /** True when `token` is the agent's live credential. */
  verifyCredentials(id: string, token: string): Promise<boolean>;
  updateStatus(
    id: string,
    patch: Partial<Pick<AgentRow, 'online' | 'lastSeenAt' | 'version' | 'status'>>,
  ): Promise<void>;
  /** The live agents whose last status reported triggers of the flow, by id, each with those triggers. */
  flowTriggers(namespace: string, flowId: string): Promise<AgentFlowTriggers[]>;
}

/**
 * One record of an agent's events batch, checked and typed by kind. `unusable`: a record the hub cannot
 * store as sent (a placeholder for one too large to send, missing fields, values the database cannot
 * take, or the database refused it); the hub stores a placeholder in its place when it can tell which
 * execution it belongs to. `refused`: nothing of it is stored; its seq still counts.
 */
export type IngestRecord = { seq: number } & (
  | { kind: 'execution'; data: Execution }
  | { kind: 'taskRun'; data: TaskRun }
  | { kind: 'log'; data: LogLine }
  | { kind: 'command'; data: CommandResult }
  | { kind: 'taskRunDeleted'; data: { id: string } }
  | { kind: 'triggerToggle'; data: TriggerToggle }
  | { kind: 'unusable'; recordKind: string; reason: string; data: Record<string, unknown> }
  | { kind: 'refused'; recordKind: string; code: RefusalCode; reason: string }
);

/** An agent's events batch as the hub ingests it: records in seq order, following seq `after`. */
export interface IngestBatch {
  /** The id of the agent store that sent it; absent from agents that send none. */
  store?: string;
  after: number;
  records: readonly IngestRecord[];
}

/** Which executions an agent may report: those of flows among `flows` (and its own executions already stored). */
export interface ReportScope {
  /** `namespace/flowId` of every flow the hub assigned to the agent, now or before. */
  flows: ReadonlySet<string>;
}

/**
 * Why a record was not stored as sent (a metric label): `not-assigned` (its flow was never assigned to
 * the agent), `foreign` (the execution is another agent's or the hub's), `unknown-execution` (a task
 * run or log line of an execution the hub does not hold as the agent's), `unusable` (malformed, no
 * execution to put a placeholder in), `database` (the database refused it and its placeholder).
 */
export type RefusalCode = 'not-assigned' | 'foreign' | 'unknown-execution' | 'unusable' | 'database';

/** A record not stored as sent, and why. */
export interface RecordNotStored {
  seq: number;
  kind: string;
  code: RefusalCode;
  reason: string;
  /** The execution's id (execution records) or the record's execution. */
  executionId?: string;
}

/**
 * What one ingest did. `stored`: the records after the agent's previous mark are handled (stored, stored
 * as placeholders, or refused) and the mark is raised. `gap`: the hub has not stored everything up to the
 * batch's `after` (an earlier batch failed): nothing is stored. `agent-gone`: the agent is unknown or
 * decommissioned: nothing is stored. `other-store`: the batch comes from a store other than the one the
 * mark counts in, and follows records of it the hub never saw: nothing is stored, and the mark, which
 * counts another store's seqs, must not be acked.
 */
export interface IngestResult {
  outcome: 'stored' | 'gap' | 'agent-gone' | 'other-store';
  /** The mark was reset for a new store of the agent (its first batch), before this batch was stored. */
  storeReset?: boolean;
  /** The agent's high-water mark after the batch. */
  lastSeq: number;
  /** Records newly handled (stored, placeholders and refused alike: their seq counts as seen). */
  stored: number;
  /** Records at or below the mark: seen before, ignored. */
  duplicates: number;
  executions: Execution[];
  taskRuns: TaskRun[];
  logs: LogLine[];
  commands: CommandResult[];
  /** Ids of task runs a restart on the agent dropped, deleted here too. */
  deletedTaskRuns: string[];
  /** Records stored as placeholders: a FAILED execution or task run, or an ERROR log line. */
  placeholders: RecordNotStored[];
  /** Records not stored at all. */
  refused: RecordNotStored[];
}

/** The agents' sync streams: records stored idempotently by `(agentId, seq)`. */
export interface SyncRepository {
  /**
   * Stores a batch (records in seq order); records at or below the mark change nothing. A record the
   * database refuses is isolated (see `isolateRefused`); the others are stored.
   */
  ingest(agentId: string, batch: IngestBatch): Promise<IngestResult>;
  /** The agent's high-water mark; 0 before its first record. */
  lastSeq(agentId: string): Promise<number>;
  /** Sets the mark, e.g. when an agent comes back with a fresh store whose seqs start again. */
  resetSeq(agentId: string, seq: number): Promise<void>;
  /** Squares the mark with the outbox an agent reports in its hello, in one transaction (see {@link HelloMark}). */
  hello(agentId: string, outbox: HelloOutbox): Promise<HelloMark>;
}

/** How far an agent's outbox has got, as its hello says. */
export interface HelloOutbox {
  highSeq: number;
  ackedSeq: number;
  /** The store's id; absent from agents that send none. */
  store?: string;
}

/**
 * What a hello did to the agent's mark. `reset`: the agent has a new store (a new id, or, from an agent
 * that sends no id, a highest seq below the mark): the mark starts again at its acked seq. `raised`: the
 * agent acked records the hub no longer holds (its database restored): the mark moves up to them.
 * A hello that arrives late, after batches sent behind it were stored, changes nothing when it carries
 * the store's id.
 */
export interface HelloMark {
  change: 'none' | 'reset' | 'raised';
  /** The mark before the hello. */
  before: number;
  /** The mark after it. */
  lastSeq: number;
}

/** One stored secret: encrypted, `namespace` '' when global. */
export interface SecretRow {
  namespace: string;
  name: string;
  ciphertext: string;
  updatedAt: string;
}

/** Encrypted secrets; the hub's secret store (hub/secrets/) encrypts and decrypts. */
export interface SecretRepository {
  /** Every secret, by namespace then name. */
  all(): Promise<SecretRow[]>;
  /** Creates or replaces a secret. */
  put(namespace: string, name: string, ciphertext: string): Promise<SecretRow>;
  /** False when there was no such secret. */
  delete(namespace: string, name: string): Promise<boolean>;
}

/** `current` signs, `next` is announced for a rotation, `retired` keeps only its endorsement. */
export type SigningKeyState = 'current' | 'next' | 'retired';

/** One of the hub's signing keys (hub/signing/). */
export interface SigningKeyRow {
  /** base64url of the raw Ed25519 public key. */
  publicKey: string;
  state: SigningKeyState;
  /** PKCS#8 PEM or `v1:` ciphertext; null once retired. */
  privateKey: string | null;
  /** The key that endorsed this one and its signature; null for the first key. */
  endorsedBy: string | null;
  endorsement: string | null;
  createdAt: string;
}

/** The hub's signing keys. */
export interface SigningKeyRepository {
  /** Every key, oldest first. */
  all(): Promise<SigningKeyRow[]>;
  /** Stores a key unless another already holds its state (a hub replica got there first); whether it was stored. */
  add(row: Omit<SigningKeyRow, 'createdAt'>): Promise<boolean>;
  /** In one transaction: the next key becomes current, the current one retired without its private key. False without a next key. */
  promote(): Promise<boolean>;
}

/** An agent version the hub holds, without its bytes. */
export interface AgentVersionRow {
  version: string;
  sha256: string;
  size: number;
  createdAt: string;
}

/** Agent bundles (archives) for agents to update themselves. */
export interface AgentVersionRepository {
  /** Stores a version; false when one of that name exists (versions never change). */
  add(row: Omit<AgentVersionRow, 'createdAt'>, content: Buffer): Promise<boolean>;
  get(version: string): Promise<AgentVersionRow | undefined>;
  /** The archive's bytes. */
  content(version: string): Promise<Buffer | undefined>;
  /** Every version, newest first. */
  list(): Promise<AgentVersionRow[]>;
  delete(version: string): Promise<boolean>;
}

/** A record for Kafka, as the bridge queues it. */
export interface BridgeRecord {
  /** Name of the bridge route that made it. */
  route: string;
  topic: string;
  key: Buffer | null;
  value: Buffer | null;
  headers: Record<string, string>;
}

/** A queued record, in queue order. */
export interface QueuedBridgeRecord extends BridgeRecord {
  id: number;
  createdAt: string;
  /** Sends Kafka refused so far. */
  attempts: number;
  lastError: string | null;
}

/** A record the bridge gave up on, with why. */
export interface BridgeDeadLetter extends BridgeRecord {
  id: number;
  createdAt: string;
  attempts: number;
  error: string;
  failedAt: string;
}

/** The Kafka bridge's durable queue and dead letters. */
export interface BridgeRepository {
  /** Queues records in one transaction; resolves once they are durable. */
  enqueue(records: readonly BridgeRecord[]): Promise<void>;
  /** Up to `limit` queued records, oldest first. */
  next(limit: number): Promise<QueuedBridgeRecord[]>;
  /** Deletes records Kafka acknowledged. */
  delivered(ids: readonly number[]): Promise<void>;
  /** Counts a refused send against each record. */
  refused(ids: readonly number[], error: string): Promise<void>;
  /** Moves records to the dead letters (one transaction); returns how many moved. */
  deadLetter(ids: readonly number[], error: string): Promise<number>;
  /** Moves records queued before `cutoff` to the dead letters; returns how many moved. */
  expire(cutoff: Date, error: string): Promise<number>;
  /** How many records wait, and when the oldest was queued. */
  lag(): Promise<{ queued: number; oldestCreatedAt: string | null }>;
  /** Dead letters, oldest first. */
  deadLetters(page: PageRequest): Promise<Page<BridgeDeadLetter>>;
  countDeadLetters(): Promise<number>;
  /** Puts dead letters (all, or those of `ids`) back in the queue; returns how many. */
  requeue(ids?: readonly number[]): Promise<number>;
}

/** One revision of a namespace file as listed: a delete is a revision too (`deleted`, size 0). */
export interface NamespaceFileRevision {
  revision: number;
  size: number;
  deleted: boolean;
  createdAt: string;
}

/** Namespace files with their revisions; reads of live files are synchronous (served from memory). */
export interface NamespaceFileRepository extends NamespaceFileStore {
  /** Namespaces holding at least one live file, sorted. */
  namespaces(): string[];
  /** Every revision of one file, oldest first, deletes included; empty for a file never written. */
  revisions(namespace: string, path: string): Promise<NamespaceFileRevision[]>;
  /** The bytes of one revision; undefined for a delete or an unknown revision. */
  revisionContent(namespace: string, path: string, revision: number): Promise<Uint8Array | undefined>;
  /** Calls `listener` after each committed write or delete of a file by this process; returns the unsubscribe function. */
  onCommitted(listener: (namespace: string, path: string) => void): () => void;
  /** Reads one file again from the database (another hub replica changed it). */
  reload(namespace: string, path: string): Promise<void>;
  /** Reads every live file again, forgetting those deleted since (after notifications may have been missed). */
  load(): Promise<void>;
}

/** The hub's whole storage. */
export interface RolloutFilter extends PageRequest {
  namespace?: string;
  flowId?: string;
  status?: RolloutStatus;
}

/** Rollouts of flow revisions (hub/rollouts/), newest first. */
export interface RolloutRepository {
  /** Inserts the rollout, or replaces the stored one with the same id. */
  save(rollout: Rollout): Promise<void>;
  get(id: string): Promise<Rollout | undefined>;
  list(filter: RolloutFilter): Promise<Page<Rollout>>;
  /**
   * The newest rollout of each flow that has any, the newest agent version rollout and the newest
   * label rollout; and every set rollout (each may still decide some of its flows), oldest first.
   */
  latestPerFlow(): Promise<Rollout[]>;
}

export interface HubStorage {
  readonly executions: ExecutionStore & ExecutionQueries;
  readonly flows: FlowRepository;
  readonly tokens: TokenRepository;
  readonly agents: AgentRepository;
  readonly sync: SyncRepository;
  /** Durable state of the hub's triggers. */
  readonly triggers: TriggerStateStore;
  /** Encrypted secrets for `secret()` on the hub. */
  readonly secrets: SecretRepository;
  /** The Kafka bridge's queue. */
  readonly bridge: BridgeRepository;
  /** Files kept per namespace, with their revisions. */
  readonly namespaceFiles: NamespaceFileRepository;
  /** Rollouts of flow revisions to agents. */
  readonly rollouts: RolloutRepository;
  /** The keys the hub signs agents' desired states with. */
  readonly signingKeys: SigningKeyRepository;
  /** Agent bundles for agent updates. */
  readonly agentVersions: AgentVersionRepository;
  /** Agent passwords waiting to reach the broker whose logins the hub manages. */
  readonly brokerLogins: BrokerLoginRepository;
  /** Deletes executions (with task runs and logs) that ended more than `days` ago, `batchSize` at a time; returns how many. */
  purge(days: number, batchSize?: number): Promise<number>;
  /** Calls `listener` with the KV keys of each committed batch (ids `namespace\0key`); returns the unsubscribe function. */
  onKvCommitted(listener: (ids: string[]) => void): () => void;
  /**
   * Reads KV keys again from the database (another hub replica wrote them), or every key when
   * `ids` is undefined. A key this process has a write queued for keeps its own value.
   */
  reloadKv(ids?: readonly string[]): Promise<void>;
  close(): Promise<void>;
}

/** An agent's password (as stored: ciphertext or the token) that the managed broker has not confirmed yet. */
export interface PendingBrokerLogin {
  agentId: string;
  password: string;
}

/** Agent passwords waiting for the broker the hub manages (hub/broker/managed-logins.ts). */
export interface BrokerLoginRepository {
  /** Records the agent's latest password, replacing one still waiting. */
  put(agentId: string, password: string): Promise<void>;
  list(): Promise<PendingBrokerLogin[]>;
  get(agentId: string): Promise<PendingBrokerLogin | undefined>;
  /** The broker has this password: forgets it, unless a newer one replaced it meanwhile. */
  done(agentId: string, password: string): Promise<void>;
  /** Forgets whatever waits for the agent (decommissioned). */
  drop(agentId: string): Promise<void>;
}
