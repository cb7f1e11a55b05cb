/** PostgreSQL for the benchmarks: the server from the environment, and a fresh database per run. */
import { randomBytes } from 'node:crypto';
import postgres from 'postgres';

/** The benchmark server's URL (`TERN_BENCH_PG_URL`, else `TERN_TEST_PG_URL`), or undefined. */
export function benchPgUrl(): string | undefined {
  return process.env.TERN_BENCH_PG_URL || process.env.TERN_TEST_PG_URL || undefined;
}

/** A database created for one run; `drop()` removes it. */
export interface FreshDatabase {
  url: string;
  drop(): Promise<void>;
}

/** Creates `tern_bench_<random>` on the server at `serverUrl` (its user needs CREATEDB). */
export async function freshDatabase(serverUrl: string): Promise<FreshDatabase> {
  const name = `tern_bench_${randomBytes(6).toString('hex')}`;
  await admin(serverUrl, (sql) => sql.unsafe(`CREATE DATABASE ${name}`));
  const url = new URL(serverUrl);
  url.pathname = `/${name}`;
  return {
    url: url.toString(),
    // Not WITH (FORCE): that refuses to end an autovacuum worker for a role without superuser rights,
    // while a plain DROP ends one by itself. Every connection of the run is closed by then.
    drop: () => admin(serverUrl, (sql) => sql.unsafe(`DROP DATABASE IF EXISTS ${name}`)),
  };
}

async function admin(serverUrl: string, work: (sql: postgres.Sql) => Promise<unknown>): Promise<void> {
  const sql = postgres(serverUrl, { max: 1, onnotice: () => {} });
  try {
    await work(sql);
  } finally {
    await sql.end({ timeout: 5 });
  }
}
