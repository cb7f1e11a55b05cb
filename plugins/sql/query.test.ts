/** `sql.query` against real databases: SQLite files, and PostgreSQL and MariaDB when their services run. */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { openSqliteStore } from '../../agent/store/sqlite-store.js';
import { Engine } from '../../runtime/engine/engine.js';
import { RuntimeHost } from '../../runtime/engine/plugin-host.js';
import { Renderer } from '../../runtime/expr/index.js';
import { FlowDirectory } from '../../runtime/flow-directory.js';
import { parseOrThrow } from '../../test/support/engine.js';
import { describeWithService } from '../../test/support/services.js';
import { failure, testContext } from '../../test/support/task-context.js';
import { builtinRegistry } from '../builtin.js';
import type { Dialect } from './connection.js';
import query from './query.js';

type Props = Parameters<typeof query.run>[0];

const HOSTILE = "x'); drop table readings; -- \\ :name $1 ?";
const SLEEP: Partial<Record<Dialect, string>> = {
  postgres: 'select pg_sleep(30)',
  mysql: 'select sleep(30)',
};

/** The same specification for every database: only the URL and the positional placeholder differ. */
function querySuite(url: () => string, dialect: Dialect) {
  const host = new RuntimeHost();
  const table = () => `readings_${Math.random().toString(36).slice(2, 10)}`;
  const created: string[] = [];
  const context = () => testContext({ host });
  const run = (props: Omit<Props, 'url'>, ctx = context()) => query.run({ url: url(), ...props }, ctx);
  const placeholder = (n: number) => (dialect === 'postgres' ? `$${n}` : '?');

  /** A fresh table with two rows. */
  async function readings(): Promise<string> {
    const name = table();
    created.push(name);
    await run({
      sql: `create table ${name} (id integer primary key, name varchar(200), celsius real, day date)`,
    });
    for (const [id, sensor, celsius] of [
      [1, 'ada', 21.5],
      [2, 'grace', 19.25],
    ] as const) {
      await run({
        sql: `insert into ${name} (id, name, celsius, day) values (:id, :name, :celsius, :day)`,
        parameters: { id, name: sensor, celsius, day: '2024-03-01' },
      });
    }
    return name;
  }

  afterEach(async () => {
    for (const name of created.splice(0)) await run({ sql: `drop table if exists ${name}` });
  });
  afterAll(() => host.close());

  it('binds named parameters and returns every row with fetchType ALL', async () => {
    const name = await readings();
    const result = await run({ sql: `select * from ${name} order by id`, fetchType: 'ALL' });
    expect(result?.outputs).toEqual({
      rows: [
        { id: 1, name: 'ada', celsius: 21.5, day: '2024-03-01' },
        { id: 2, name: 'grace', celsius: 19.25, day: '2024-03-01' },
      ],
      size: 2,
    });
  });

  it('stores a hostile value verbatim: parameters are bound, never spliced into the SQL', async () => {
    const name = await readings();
    await run({
      sql: `update ${name} set name = :name where id = :id`,
      parameters: { name: HOSTILE, id: 1 },
    });
    await run({ sql: `update ${name} set name = ${placeholder(1)} where id = 2`, parameters: [HOSTILE] });
    const result = await run({ sql: `select name from ${name} order by id`, fetchType: 'ALL' });
    expect(result?.outputs?.rows).toEqual([{ name: HOSTILE }, { name: HOSTILE }]);
  });

  it("takes a list of parameters in the database's own placeholders", async () => {
    const name = await readings();
    const result = await run({
      sql: `select name from ${name} where celsius > ${placeholder(1)} and id < ${placeholder(2)}`,
      parameters: [20, 10],
      fetchType: 'ALL',
    });
    expect(result?.outputs?.rows).toEqual([{ name: 'ada' }]);
  });

  it('returns the first row with fetchType ONE, and null when there is none', async () => {
    const name = await readings();
    const one = await run({ sql: `select name from ${name} order by id desc`, fetchType: 'ONE' });
    expect(one?.outputs).toEqual({ row: { name: 'grace' }, size: 1 });
    const none = await run({
      sql: `select name from ${name} where id = :id`,
      parameters: { id: 9 },
      fetchType: 'FETCH_ONE',
    });
    expect(none?.outputs).toEqual({ row: null, size: 0 });
  });

  it('writes the rows to storage as JSON Lines with fetchType STORE', async () => {
    const name = await readings();
    const ctx = context();
    const result = await run(
      { sql: `select id, name from ${name} order by id`, fetchType: 'STORE', fetchSize: 1 },
      ctx,
    );
    expect(result?.outputs?.size).toBe(2);
    const text = readFileSync(ctx.storage.localPath(String(result?.outputs?.uri)), 'utf8');
    expect(text).toBe('{"id":1,"name":"ada"}\n{"id":2,"name":"grace"}\n');
  });

  it('counts the rows a change affected, and keeps no rows with fetchType NONE', async () => {
    const name = await readings();
    const result = await run({ sql: `update ${name} set celsius = celsius + 1` });
    expect(result?.outputs).toEqual({ affectedRows: 2 });
  });

  it('fails without retry on a bad statement, naming the database', async () => {
    const err = await failure(run({ sql: 'select * from no_such_table_here' }));
    expect(err.message).toMatch(/^(PostgreSQL|MySQL|SQLite): .*no_such_table_here/);
    expect(err.retryable).toBe(false);
  });

  const sleep = SLEEP[dialect];
  if (sleep) {
    it('ends a running query when the task is aborted, failing with the reason', async () => {
      const ctx = context();
      const running = run({ sql: sleep }, ctx);
      setTimeout(() => ctx.controller.abort(new Error('task timed out after PT0.3S')), 300);
      const err = await failure(running);
      expect(err.message).toBe('task timed out after PT0.3S');
      // The connection pool still serves the next query.
      expect((await run({ sql: 'select 1 as one', fetchType: 'ONE' }))?.outputs?.row).toEqual({ one: 1 });
    });
  }
}

const dir = mkdtempSync(join(tmpdir(), 'tern-sql-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('sql.query on SQLite', () => querySuite(() => `sqlite:${join(dir, 'plant.db')}`, 'sqlite'));
describeWithService('TERN_TEST_PG_URL', 'sql.query on PostgreSQL', (url) =>
  querySuite(() => url, 'postgres'),
);
describeWithService('TERN_TEST_MYSQL_URL', 'sql.query on MariaDB', (url) => querySuite(() => url, 'mysql'));

describe('sql.query connections', () => {
  it('fails with a retryable error when the server cannot be reached', async () => {
    for (const url of ['postgres://tern:secret@127.0.0.1:1/x', 'mysql://tern:secret@127.0.0.1:1/x']) {
      const host = new RuntimeHost();
      const err = await failure(query.run({ url, sql: 'select 1' }, testContext({ host })));
      await host.close();
      expect(err.message).toMatch(/^(PostgreSQL|MySQL): .*ECONNREFUSED/);
      expect(err.message).not.toContain('secret');
      expect(err.retryable).toBe(true);
    }
  });

  it("reads the URL from a secret in a flow: url: {{ secret('DB_URL') }}", async () => {
    const store = openSqliteStore({ path: join(dir, 'engine.db') });
    const engine = new Engine({
      store,
      registry: builtinRegistry(),
      flows: new FlowDirectory(),
      renderer: new Renderer(),
      secrets: { get: (name) => (name === 'DB_URL' ? `sqlite:${join(dir, 'secret.db')}` : undefined) },
      workRoot: join(dir, 'work'),
    });
    const flow = parseOrThrow(
      [
        'id: secret-url',
        'namespace: test',
        'tasks:',
        '  - id: answer',
        '    type: io.kestra.plugin.jdbc.sqlite.Query',
        `    url: "{{ secret('DB_URL') }}"`,
        '    sql: select 6 * 7 as answer',
        '    fetchType: FETCH_ONE',
      ].join('\n'),
    );
    try {
      const execution = await engine.run(flow);
      expect(execution.state).toBe('SUCCESS');
      await store.flush();
      const stored = await store.getExecution(execution.id);
      expect(stored?.taskRuns[0]?.outputs).toEqual({ row: { answer: 42 }, size: 1 });
    } finally {
      await engine.idle();
      await engine.host.close();
      store.close();
    }
  });
});
