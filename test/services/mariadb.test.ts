/**
 * Smoke test of the MariaDB service (TERN_TEST_MYSQL_URL) through mysql2, the client Tern's SQL
 * tasks use for MySQL-compatible databases.
 */
import mysql from 'mysql2/promise';
import { afterEach, expect, it } from 'vitest';
import { describeWithService } from '../support/services.js';

const closers: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const close of closers.splice(0).reverse()) await close();
});

describeWithService('TERN_TEST_MYSQL_URL', 'MariaDB service', (url) => {
  async function connect() {
    const connection = await mysql.createConnection(url);
    closers.push(() => connection.end());
    return connection;
  }

  it('answers a query as the tern user in the tern database', async () => {
    const connection = await connect();
    const [rows] = await connection.query<mysql.RowDataPacket[]>(
      'select current_user() as user, database() as db, version() as version',
    );
    expect(rows[0]).toMatchObject({ user: 'tern@%', db: 'tern' });
    expect(String(rows[0]?.version)).toContain('MariaDB');
  });

  it('stores and reads back rows with placeholders', async () => {
    const connection = await connect();
    await connection.query('create temporary table readings (device varchar(32), value double)');
    await connection.execute('insert into readings values (?, ?), (?, ?)', ['a', 1.5, 'b', 2.5]);
    const [rows] = await connection.execute<mysql.RowDataPacket[]>(
      'select device, value from readings where value > ? order by device',
      [1],
    );
    expect(rows).toEqual([
      { device: 'a', value: 1.5 },
      { device: 'b', value: 2.5 },
    ]);
  });
});
