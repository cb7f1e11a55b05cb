/**
 * The databases the storage tests run against (not used at run time): PGlite
 * always, PostgreSQL when a URL is given. Each test file gets its own database.
 */
import { createHash, randomBytes } from 'node:crypto';
import { cpSync, existsSync, mkdtempSync, renameSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { sql } from 'drizzle-orm';
import { readMigrationFiles } from 'drizzle-orm/migrator';
import postgres from 'postgres';
import { type Database, migrationsFolder, openDatabase, resultRows } from '../../hub/store/db.js';
import { type HubStorageOptions, openHubStorage } from '../../hub/store/hub-storage.js';
import type { HubStorage } from '../../hub/store/types.js';

const TABLES = [
  'flows',
  'flow_revisions',
  'executions',
  'task_runs',
  'logs',
  'kv',
  'agents',
  'api_tokens',
  'agent_sync',
  'agent_records',
  'trigger_state',
  'secrets',
  'bridge_queue',
  'bridge_dead_letters',
  'namespace_files',
  'namespace_file_revisions',
  'rollouts',
  'signing_keys',
  'broker_logins_pending',
];

/** A database for one test file: shared by its tests, emptied between them. */
export interface StorageBackend {
  readonly name: string;
  /** Creates the database; call once before the tests. */
  setup(): Promise<void>;
  /** Opens a storage on the shared database; `closeAll` closes it. */
  open(options?: Omit<HubStorageOptions, 'dataDir' | 'url' | 'database'>): Promise<HubStorage>;
  /**
   * Options for a storage that owns its connection, to be closed and opened
   * again on the same data (a restart). Open it with `openHubStorage`.
   */
  restartable(): Promise<HubStorageOptions>;
  /** Rows of a query run apart from any storage: what has been committed. */
  rows<T>(query: string): Promise<T[]>;
  /** Closes every storage opened with `open`, then empties every table. */
  reset(): Promise<void>;
  /** Drops the database; call once after the tests. */
  teardown(): Promise<void>;
}

abstract class BaseBackend implements StorageBackend {
  abstract readonly name: string;
  protected inspector: Database | undefined;
  private scratchDir: string | undefined;
  private readonly opened: HubStorage[] = [];

  abstract setup(): Promise<void>;
  abstract restartable(): Promise<HubStorageOptions>;
  protected abstract sharedOptions(): HubStorageOptions;

  async open(options: Omit<HubStorageOptions, 'dataDir' | 'url' | 'database'> = {}): Promise<HubStorage> {
    const storage = await openHubStorage({
      filesDir: join(this.scratch, 'files'),
      ...this.sharedOptions(),
      ...options,
    });
    this.opened.push(storage);
    return storage;
  }

  async rows<T>(query: string): Promise<T[]> {
    return resultRows<T>(await this.db().db.execute(sql.raw(query)));
  }

  async reset(): Promise<void> {
    // A storage whose commit a test made fail on purpose may fail to close: the next test must start clean anyway.
    await Promise.allSettled(this.opened.splice(0).map((s) => s.close()));
    // DELETE rather than TRUNCATE: on tables this small it is ten times faster.
    await this.db().db.transaction(async (tx) => {
      for (const table of TABLES) await tx.execute(sql.raw(`DELETE FROM ${table}`));
    });
  }

  async teardown(): Promise<void> {
    await Promise.allSettled(this.opened.splice(0).map((s) => s.close()));
    await this.inspector?.close();
    this.inspector = undefined;
    if (this.scratchDir) rmSync(this.scratchDir, { recursive: true, force: true });
  }

  /** A temporary folder for this file's data, made on first use: a skipped suite leaves nothing behind. */
  protected get scratch(): string {
    this.scratchDir ??= mkdtempSync(join(tmpdir(), 'tern-hub-test-'));
    return this.scratchDir;
  }

  protected db(): Database {
    if (!this.inspector) throw new Error(`${this.name} backend is not set up`);
    return this.inspector;
  }
}

/**
 * PGlite: one instance per test file, handed to each storage. Creating a
 * PGlite database (initdb) takes seconds, so a migrated one is made once per
 * schema version, kept in the temporary folder, and copied.
 */
class PgliteBackend extends BaseBackend {
  readonly name = 'PGlite';

  async setup(): Promise<void> {
    const dir = join(this.scratch, 'shared');
    await this.copyTemplate(dir);
    this.inspector = await openDatabase({ dataDir: join(dir, 'pgdata') });
  }

  async restartable(): Promise<HubStorageOptions> {
    const dir = mkdtempSync(join(this.scratch, 'restart-'));
    await this.copyTemplate(dir);
    return { dataDir: dir };
  }

  protected sharedOptions(): HubStorageOptions {
    return { database: this.db() };
  }

  /** Copies a migrated, closed hub data folder to `target`. */
  private async copyTemplate(target: string): Promise<void> {
    const template = join(tmpdir(), `tern-pglite-template-${schemaVersion()}`);
    if (!existsSync(template)) {
      const building = mkdtempSync(`${template}-building-`);
      await (await openHubStorage({ dataDir: building })).close();
      try {
        renameSync(building, template);
      } catch {
        // Another test file made it first.
        rmSync(building, { recursive: true, force: true });
      }
    }
    cpSync(template, target, { recursive: true });
  }
}

/** PostgreSQL: a fresh database per test file, `tern_test_<random>`, dropped afterwards. */
class PostgresBackend extends BaseBackend {
  readonly name = 'PostgreSQL';
  private readonly database = `tern_test_${randomBytes(6).toString('hex')}`;
  private created = false;

  constructor(private readonly serverUrl: string) {
    super();
  }

  async setup(): Promise<void> {
    await this.admin(async (client) => {
      await client.unsafe(`CREATE DATABASE ${this.database}`);
    });
    this.created = true;
    this.inspector = await openDatabase({ url: this.url(), maxConnections: 2 });
  }

  async restartable(): Promise<HubStorageOptions> {
    return { url: this.url(), filesDir: join(this.scratch, 'files') };
  }

  override async teardown(): Promise<void> {
    await super.teardown();
    if (!this.created) return;
    await this.admin(async (client) => {
      await client.unsafe(`DROP DATABASE IF EXISTS ${this.database} WITH (FORCE)`);
    });
  }

  protected sharedOptions(): HubStorageOptions {
    return { url: this.url() };
  }

  private url(): string {
    const url = new URL(this.serverUrl);
    url.pathname = `/${this.database}`;
    return url.toString();
  }

  private async admin(work: (client: postgres.Sql) => Promise<void>): Promise<void> {
    const client = postgres(this.serverUrl, { max: 1, onnotice: () => {} });
    try {
      await work(client);
    } finally {
      await client.end({ timeout: 5 });
    }
  }
}

/** The PGlite backend, for one test file. */
export function pgliteBackend(): StorageBackend {
  return new PgliteBackend();
}

/** A PostgreSQL backend on the server at `url` (its user needs CREATEDB), for one test file. */
export function postgresBackend(url: string): StorageBackend {
  return new PostgresBackend(url);
}

/** Changes when the migrations do, so that a stale template is never used. */
function schemaVersion(): string {
  const hashes = readMigrationFiles({ migrationsFolder: migrationsFolder() }).map((m) => m.hash);
  return createHash('sha256').update(hashes.join()).digest('hex').slice(0, 16);
}
