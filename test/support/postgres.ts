/** Fresh PostgreSQL databases for tests, made next to the one at TERN_TEST_PG_URL (its role may create databases). */
import postgres from 'postgres';

export interface FreshDatabase {
  url: string;
  /** Drops it, ending any session still connected. */
  drop(): Promise<void>;
}

/** Creates an empty database on the server of `url`, named `<prefix>_<unique>`. */
export async function freshDatabase(url: string, prefix = 'tern_test'): Promise<FreshDatabase> {
  const name = `${prefix}_${Date.now().toString(36)}_${Math.random().toString(36).slice(2, 8)}`;
  const admin = postgres(url, { max: 1, onnotice: () => undefined });
  try {
    await admin.unsafe(`create database ${name}`);
  } finally {
    await admin.end();
  }
  const fresh = new URL(url);
  fresh.pathname = `/${name}`;
  return {
    url: fresh.toString(),
    async drop() {
      const sql = postgres(url, { max: 1, onnotice: () => undefined });
      try {
        await sql.unsafe(`drop database if exists ${name} with (force)`);
      } finally {
        await sql.end();
      }
    },
  };
}
