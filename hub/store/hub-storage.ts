/** The hub's storage: opens the database and assembles the repositories behind the `HubStorage` contract. */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { and, inArray, isNotNull, lt } from 'drizzle-orm';
import { TernError } from '../../protocol/errors.js';
import { DirectoryFileStorage } from '../../runtime/file-storage.js';
import { DrizzleAgentRepository } from './agent-repository.js';
import { DrizzleAgentVersionRepository } from './agent-version-repository.js';
import { DrizzleBridgeRepository } from './bridge-repository.js';
import { DrizzleBrokerLoginRepository } from './broker-login-repository.js';
import { type Database, type Db, openDatabase } from './db.js';
import { ExecutionRepository } from './execution-repository.js';
import { DrizzleFlowRepository } from './flow-repository.js';
import { CachedKvStore } from './kv-cache.js';
import { DrizzleNamespaceFileRepository } from './namespace-file-repository.js';
import { DrizzleRolloutRepository } from './rollout-repository.js';
import { executions, logs, taskRuns } from './schema.js';
import { DrizzleSecretRepository } from './secret-repository.js';
import { DrizzleSigningKeyRepository } from './signing-key-repository.js';
import { DrizzleSyncRepository } from './sync-repository.js';
import { DrizzleTokenRepository } from './token-repository.js';
import { DrizzleTriggerStateRepository } from './trigger-state-repository.js';
import type { HubStorage } from './types.js';
import { type RecordRefusal, WriteQueue } from './write-queue.js';

export interface HubStorageOptions {
  /** Root of the hub's data: PGlite's files go to `<dataDir>/pgdata`, execution files to `<dataDir>/files`. */
  dataDir?: string;
  /** A PostgreSQL URL: used instead of PGlite when given. */
  url?: string;
  /** An already open database, used as is and left open by `close()`; wins over `url` and `dataDir`. */
  database?: Database;
  /** Root of execution files; default `<dataDir>/files`, else a temporary folder removed on close. */
  filesDir?: string;
  /** Time source for KV expiry, token use and purge cut-offs, and the dates stored on flows, tokens and agents. */
  clock?: { now(): number };
  /** Called when a background group commit fails for a reason other than its data; its writes stay queued and are tried again. */
  onWriteError?: (error: unknown) => void;
  /** Called when the database refuses a record for good; the others are stored, and a placeholder where it can be. */
  onRecordRefused?: (refusal: RecordRefusal) => void;
}

const DAY_MS = 86_400_000;

/**
 * Opens the hub's storage: PostgreSQL when `url` is given, else PGlite under
 * `dataDir` (in memory without one). Migrations are applied and the KV table
 * is loaded before it resolves.
 *
 * @example
 * const storage = await openHubStorage({ dataDir: '.tern/hub' });
 * const { outcome } = await storage.flows.save(flow, yamlSource);
 * await storage.close();
 */
export async function openHubStorage(options: HubStorageOptions = {}): Promise<HubStorage> {
  const database =
    options.database ??
    (await openDatabase(
      options.url !== undefined
        ? { url: options.url }
        : options.dataDir !== undefined
          ? { dataDir: join(options.dataDir, 'pgdata') }
          : { memory: true },
    ));
  const owned = options.database === undefined;
  try {
    return await DrizzleHubStorage.open(database, owned, options);
  } catch (error) {
    if (owned) await database.close();
    throw error;
  }
}

class DrizzleHubStorage implements HubStorage {
  private closed = false;

  private constructor(
    private readonly database: Database,
    private readonly ownsDatabase: boolean,
    private readonly ownedFilesDir: string | undefined,
    private readonly queue: WriteQueue,
    private readonly kv: CachedKvStore,
    private readonly kvCommitted: Set<(ids: string[]) => void>,
    private readonly now: () => number,
    readonly executions: ExecutionRepository,
    readonly flows: DrizzleFlowRepository,
    readonly tokens: DrizzleTokenRepository,
    readonly agents: DrizzleAgentRepository,
    readonly sync: DrizzleSyncRepository,
    readonly triggers: DrizzleTriggerStateRepository,
    readonly secrets: DrizzleSecretRepository,
    readonly bridge: DrizzleBridgeRepository,
    readonly namespaceFiles: DrizzleNamespaceFileRepository,
    readonly rollouts: DrizzleRolloutRepository,
    readonly signingKeys: DrizzleSigningKeyRepository,
    readonly agentVersions: DrizzleAgentVersionRepository,
    readonly brokerLogins: DrizzleBrokerLoginRepository,
  ) {}

  static async open(
    database: Database,
    ownsDatabase: boolean,
    options: HubStorageOptions,
  ): Promise<HubStorage> {
    const db = database.db;
    const clock = options.clock;
    const now = clock ? () => clock.now() : Date.now;
    // The queue and the KV cache refer to each other: the cache queues its changes, the queue reads entries at commit.
    let kv: CachedKvStore | undefined;
    const kvCommitted = new Set<(ids: string[]) => void>();
    const queue = new WriteQueue({
      db,
      kv: { entry: (id) => kv?.entry(id), refused: (id) => kv?.forget(id) },
      onKvCommitted: (ids) => {
        for (const listener of kvCommitted) listener(ids);
      },
      now,
      onWriteError: options.onWriteError ?? warnWriteError,
      onRecordRefused: options.onRecordRefused ?? warnRecordRefused,
    });
    kv = new CachedKvStore(now, (id) => queue.touchKv(id));
    await kv.load(db);

    let ownedFilesDir: string | undefined;
    let filesDir = options.filesDir;
    if (filesDir === undefined && options.dataDir !== undefined) filesDir = join(options.dataDir, 'files');
    if (filesDir === undefined) filesDir = ownedFilesDir = mkdtempSync(join(tmpdir(), 'tern-hub-files-'));
    const files = new DirectoryFileStorage(filesDir);
    const namespaceFiles = new DrizzleNamespaceFileRepository(db, now);
    await namespaceFiles.load();

    return new DrizzleHubStorage(
      database,
      ownsDatabase,
      ownedFilesDir,
      queue,
      kv,
      kvCommitted,
      now,
      new ExecutionRepository(db, queue, kv, files, namespaceFiles),
      new DrizzleFlowRepository(db, now),
      new DrizzleTokenRepository(db, now),
      new DrizzleAgentRepository(db, now),
      new DrizzleSyncRepository(db, now),
      new DrizzleTriggerStateRepository(db),
      new DrizzleSecretRepository(db, now),
      new DrizzleBridgeRepository(db, now),
      namespaceFiles,
      new DrizzleRolloutRepository(db),
      new DrizzleSigningKeyRepository(db, now),
      new DrizzleAgentVersionRepository(db, now),
      new DrizzleBrokerLoginRepository(db, now),
    );
  }

  /**
   * Deletes executions that ended more than `days` ago, with their task runs
   * and logs, `batchSize` executions per transaction until none is left.
   */
  async purge(days: number, batchSize = 1000): Promise<number> {
    if (!(days >= 0)) throw new TernError('BAD_REQUEST', `days must be zero or more, got ${days}`);
    if (!Number.isInteger(batchSize) || batchSize < 1) {
      throw new TernError('BAD_REQUEST', `batch size must be a positive integer, got ${batchSize}`);
    }
    // Queued writes first: an execution that ended long ago may still be waiting for its commit.
    await this.queue.flush();
    const cutoff = new Date(this.now() - days * DAY_MS).toISOString();
    let purged = 0;
    for (;;) {
      const deleted = await purgeBatch(this.database.db, cutoff, batchSize);
      purged += deleted;
      if (deleted < batchSize) return purged;
    }
  }

  onKvCommitted(listener: (ids: string[]) => void): () => void {
    this.kvCommitted.add(listener);
    return () => this.kvCommitted.delete(listener);
  }

  reloadKv(ids?: readonly string[]): Promise<void> {
    return this.kv.reload(this.database.db, ids, (id) => this.queue.queuesKv(id));
  }

  /** Commits queued writes, then closes the database (unless it was handed in) and removes a temporary files folder. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    try {
      await this.queue.close();
    } finally {
      if (this.ownsDatabase) await this.database.close();
      if (this.ownedFilesDir) rmSync(this.ownedFilesDir, { recursive: true, force: true });
    }
  }
}

/** Without a handler, a failed background commit still leaves a trace on stderr. */
function warnWriteError(error: unknown): void {
  const message = error instanceof Error ? error.message : String(error);
  process.emitWarning(
    `a group commit failed; its writes stay queued and are tried again: ${message}`,
    'TernStorageWarning',
  );
}

function warnRecordRefused(refusal: RecordRefusal): void {
  process.emitWarning(
    `the database refused ${refusal.record} (${refusal.reason}); stored instead: ${refusal.stored}`,
    'TernStorageWarning',
  );
}

/** One purge transaction: up to `limit` executions that ended before `cutoff`, with their task runs and logs. */
async function purgeBatch(db: Db, cutoff: string, limit: number): Promise<number> {
  return db.transaction(async (tx) => {
    const rows = await tx
      .select({ id: executions.id })
      .from(executions)
      .where(and(isNotNull(executions.endDate), lt(executions.endDate, cutoff)))
      .orderBy(executions.endDate)
      .limit(limit)
      // Another hub purging at the same time takes other rows instead of waiting for these.
      .for('update', { skipLocked: true });
    const ids = rows.map((r) => r.id);
    if (ids.length === 0) return 0;
    await tx.delete(logs).where(inArray(logs.executionId, ids));
    await tx.delete(taskRuns).where(inArray(taskRuns.executionId, ids));
    await tx.delete(executions).where(inArray(executions.id, ids));
    return ids.length;
  });
}
