/** Opens the hub's database, embedded PGlite or PostgreSQL through postgres.js, and applies the migrations. */
import { existsSync, mkdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { PGlite } from '@electric-sql/pglite';
import { sql } from 'drizzle-orm';
import { readMigrationFiles } from 'drizzle-orm/migrator';
import type { PgDatabase, PgQueryResultHKT } from 'drizzle-orm/pg-core';
import { drizzle as drizzlePglite } from 'drizzle-orm/pglite';
import { migrate as migratePglite } from 'drizzle-orm/pglite/migrator';
import { drizzle as drizzlePostgres } from 'drizzle-orm/postgres-js';
import { migrate as migratePostgres } from 'drizzle-orm/postgres-js/migrator';
import postgres from 'postgres';
import { lockDirectory } from './dir-lock.js';
import { openPgliteClient, openPgliteInMemory } from './pglite-client.js';
import { schema } from './schema.js';

/** The drizzle database, whichever driver is behind it. */
export type Db = PgDatabase<PgQueryResultHKT, typeof schema>;

/** Where the data lives: a PGlite data directory (created when missing), a PostgreSQL URL, or PGlite in memory. */
export type DatabaseOptions =
  | { dataDir: string }
  | { url: string; maxConnections?: number }
  | { memory: true };

/** An open database and how to close it. */
export interface Database {
  readonly db: Db;
  readonly driver: 'pglite' | 'postgres';
  close(): Promise<void>;
}

/**
 * The migrations folder. SQL files are read at run time and are not compiled,
 * so the folder is found from the package root, which works both from the
 * sources (`hub/store/db.ts`) and from the build (`dist/hub/store/db.js`).
 */
export function migrationsFolder(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (;;) {
    if (existsSync(join(dir, 'package.json'))) return join(dir, 'hub', 'store', 'migrations');
    const parent = dirname(dir);
    if (parent === dir) throw new Error(`no package.json above ${fileURLToPath(import.meta.url)}`);
    dir = parent;
  }
}

/**
 * Opens the database and brings its schema up to date.
 *
 * @example
 * const { db, close } = await openDatabase({ dataDir: '.tern/hub/pgdata' });
 * const { db } = await openDatabase({ url: 'postgres://tern:secret@127.0.0.1:5432/tern' });
 */
export async function openDatabase(options: DatabaseOptions): Promise<Database> {
  if ('url' in options) {
    await migratePostgresDatabase(options.url);
    return openPostgres(options.url, options.maxConnections);
  }
  const database = await openPglite(options);
  try {
    await migrateDatabase(database.db, (db, config) => migratePglite(db as never, config));
  } catch (error) {
    await database.close();
    throw error;
  }
  return database;
}

async function openPglite(options: { dataDir: string } | { memory: true }): Promise<Database> {
  if (!('dataDir' in options)) {
    const client = await openPgliteInMemory();
    return { db: drizzlePglite({ client, schema }), driver: 'pglite', close: () => client.close() };
  }
  mkdirSync(dirname(options.dataDir), { recursive: true });
  const release = lockDirectory(`${options.dataDir}.lock`);
  let client: PGlite;
  try {
    client = await openPgliteClient(options.dataDir);
  } catch (error) {
    release();
    throw error;
  }
  const close = async () => {
    try {
      await client.close();
    } finally {
      release();
    }
  };
  return { db: drizzlePglite({ client, schema }), driver: 'pglite', close };
}

function postgresClient(url: string, max: number): postgres.Sql {
  return postgres(url, {
    max,
    // NOTICEs such as "schema already exists" from the migrator are not news.
    onnotice: () => {},
    connection: { application_name: 'tern-hub', TimeZone: 'UTC' },
  });
}

function openPostgres(url: string, maxConnections = 10): Database {
  const client = postgresClient(url, maxConnections);
  const db: Db = drizzlePostgres({ client, schema });
  return { db, driver: 'postgres', close: () => client.end({ timeout: 5 }) };
}

/** Key of the advisory lock held while migrating, so that hubs starting together migrate one after the other. */
const MIGRATION_LOCK = 0x7465726e; // 'tern'

/** Migrates on one dedicated connection that holds the migration lock throughout. */
async function migratePostgresDatabase(url: string): Promise<void> {
  const client = postgresClient(url, 1);
  try {
    await client`SELECT pg_advisory_lock(${MIGRATION_LOCK}::bigint)`;
    const db: Db = drizzlePostgres({ client, schema });
    await migrateDatabase(db, (d, config) => migratePostgres(d as never, config));
  } finally {
    await client.end({ timeout: 5 });
  }
}

const MIGRATIONS_SCHEMA = 'drizzle';
const MIGRATIONS_TABLE = '__drizzle_migrations';

type Migrator = (
  db: Db,
  config: { migrationsFolder: string; migrationsSchema: string; migrationsTable: string },
) => Promise<void>;

/**
 * Applies the migrations that the database lacks. A database migrated by a
 * newer Tern (a migration later than any we know) is refused rather than
 * guessed at. Both drivers' migrators run the same dialect code; each only
 * insists on its own database type, hence `migrate` per driver.
 */
async function migrateDatabase(db: Db, migrate: Migrator): Promise<void> {
  const folder = migrationsFolder();
  const known = readMigrationFiles({ migrationsFolder: folder });
  const latestKnown = Math.max(0, ...known.map((m) => m.folderMillis));
  const applied = await latestApplied(db);
  if (applied !== undefined && applied > latestKnown) {
    throw new Error(
      `the hub database has a migration from ${new Date(applied).toISOString()}, newer than this version of Tern knows`,
    );
  }
  await migrate(db, {
    migrationsFolder: folder,
    migrationsSchema: MIGRATIONS_SCHEMA,
    migrationsTable: MIGRATIONS_TABLE,
  });
}

async function latestApplied(db: Db): Promise<number | undefined> {
  const exists = firstRow<{ found: boolean }>(
    await db.execute(
      sql`SELECT to_regclass(${`${MIGRATIONS_SCHEMA}.${MIGRATIONS_TABLE}`}) IS NOT NULL AS found`,
    ),
  );
  if (!exists?.found) return undefined;
  const table = sql`${sql.identifier(MIGRATIONS_SCHEMA)}.${sql.identifier(MIGRATIONS_TABLE)}`;
  const latest = firstRow<{ latest: string | null }>(
    await db.execute(sql`SELECT max(created_at)::text AS latest FROM ${table}`),
  )?.latest;
  return latest == null ? undefined : Number(latest);
}

/** The first row of `db.execute`: postgres.js returns an array of rows, PGlite an object with `rows`. */
export function firstRow<T>(result: unknown): T | undefined {
  return resultRows<T>(result)[0];
}

/** The rows of `db.execute`, whichever driver ran it. */
export function resultRows<T>(result: unknown): T[] {
  if (Array.isArray(result)) return result as T[];
  return ((result as { rows?: T[] }).rows ?? []) as T[];
}
