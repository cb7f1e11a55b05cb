/** `sql.query`: one SQL statement on PostgreSQL, MySQL/MariaDB or SQLite (Kestra's JDBC Query tasks). */
import { once } from 'node:events';
import { createWriteStream } from 'node:fs';
import { join } from 'node:path';
import { type Static, Type as T } from '@sinclair/typebox';
import { defineTask, type TaskContext } from '../../protocol/plugin.js';
import { CLIENTS_KEY, type SqlClient, SqlClients } from './client.js';
import { type Connection, parseConnection } from './connection.js';
import { sqlFailure } from './errors.js';
import { mysqlClient } from './mysql.js';
import { type Statement, statement } from './placeholders.js';
import { postgresClient } from './postgres.js';
import { sqliteClient } from './sqlite.js';
import { bindValue } from './values.js';

const FETCH_TYPES = ['NONE', 'ONE', 'ALL', 'STORE', 'FETCH_ONE', 'FETCH'] as const;
type FetchMode = 'NONE' | 'ONE' | 'ALL' | 'STORE';

const Properties = T.Object({
  url: T.String({
    minLength: 1,
    description:
      "Database URL: postgres://…, mysql://… (or mariadb://…), sqlite:PATH; Kestra's jdbc: prefix is accepted. " +
      "Keep credentials out of the flow: {{ secret('DB_URL') }}",
  }),
  username: T.Optional(T.String({ description: "User; wins over the URL's" })),
  password: T.Optional(T.String({ description: "Password; use {{ secret('NAME') }}" })),
  sql: T.String({
    minLength: 1,
    description: 'One SQL statement. Put values in `parameters`, never into the SQL text with {{ }}',
  }),
  parameters: T.Optional(
    T.Union([T.Record(T.String(), T.Unknown()), T.Array(T.Unknown())], {
      description:
        'Values bound by the driver, never written into the SQL: a map for `:name` placeholders, or a list for ' +
        "the database's own (`$1` for PostgreSQL, `?` for MySQL and SQLite). Maps and lists are bound as JSON text",
    }),
  ),
  fetchType: T.Optional(
    T.Union(
      FETCH_TYPES.map((t) => T.Literal(t)),
      {
        default: 'NONE',
        description:
          'What to keep of the rows: NONE, ONE (the first, as `row`), ALL (as `rows`), or STORE (a JSON Lines ' +
          "file, as `uri`). Kestra's FETCH_ONE and FETCH mean ONE and ALL",
      },
    ),
  ),
  fetchSize: T.Optional(
    T.Integer({ minimum: 1, default: 10_000, description: 'Rows read at a time with STORE' }),
  ),
  fetchOne: T.Optional(T.Boolean({ description: 'Deprecated Kestra form of fetchType: ONE' })),
  store: T.Optional(T.Boolean({ description: 'Deprecated Kestra form of fetchType: STORE' })),
  fetch: T.Optional(T.Boolean({ description: 'Deprecated Kestra form of fetchType: ALL' })),
});
type Props = Static<typeof Properties>;

/** The fetch mode, Kestra's deprecated switches read in Kestra's order. */
function fetchMode(props: Props): FetchMode {
  if (props.fetchType === 'FETCH_ONE') return 'ONE';
  if (props.fetchType === 'FETCH') return 'ALL';
  if (props.fetchType) return props.fetchType;
  if (props.fetchOne) return 'ONE';
  if (props.store) return 'STORE';
  return props.fetch ? 'ALL' : 'NONE';
}

/** SQLite files are opened per task; server clients are kept by the runtime and shared. */
function openClient(connection: Connection, ctx: TaskContext): { client: SqlClient; owned: boolean } {
  if (connection.dialect === 'sqlite') return { client: sqliteClient(connection), owned: true };
  const clients = ctx.host.shared(CLIENTS_KEY, () => new SqlClients());
  const create = () =>
    connection.dialect === 'postgres' ? postgresClient(connection) : mysqlClient(connection);
  return { client: clients.get(connection, create), owned: false };
}

/** Writes every row to a JSON Lines file in storage; returns its URI and the row count. */
async function storeRows(client: SqlClient, stmt: Statement, props: Props, ctx: TaskContext) {
  const path = join(await ctx.workingDir(), 'rows.jsonl');
  const file = createWriteStream(path);
  let size = 0;
  try {
    await client.stream(
      stmt,
      props.fetchSize ?? 10_000,
      async (rows) => {
        size += rows.length;
        if (!file.write(rows.map((row) => `${JSON.stringify(row)}\n`).join(''))) await once(file, 'drain');
      },
      ctx.signal,
    );
  } finally {
    await new Promise<void>((resolve, reject) =>
      file.end((err?: Error | null) => (err ? reject(err) : resolve())),
    );
  }
  return { uri: await ctx.storage.put(ctx.execution.id, ctx.taskRun.id, 'rows.jsonl', path), size };
}

async function run(props: Props, ctx: TaskContext) {
  const connection = parseConnection(props.url, props.username, props.password);
  const bound = statement(props.sql, props.parameters, connection.dialect);
  const stmt = { text: bound.text, values: bound.values.map((v) => bindValue(v, connection.dialect)) };
  const mode = fetchMode(props);
  let opened: ReturnType<typeof openClient> | undefined;
  try {
    opened = openClient(connection, ctx);
    if (mode === 'STORE') {
      const stored = await storeRows(opened.client, stmt, props, ctx);
      ctx.logger.debug(`${connection.label}: ${stored.size} row(s) stored`);
      return { outputs: stored };
    }
    const result = await opened.client.query(stmt, ctx.signal);
    ctx.logger.debug(`${connection.label}: ${result.rows.length} row(s)`);
    const outputs: Record<string, unknown> = {};
    if (mode === 'ONE')
      Object.assign(outputs, { row: result.rows[0] ?? null, size: result.rows.length ? 1 : 0 });
    if (mode === 'ALL') Object.assign(outputs, { rows: result.rows, size: result.rows.length });
    if (result.affectedRows !== undefined) outputs.affectedRows = result.affectedRows;
    return { outputs };
  } catch (err) {
    throw sqlFailure(connection, err, ctx.signal);
  } finally {
    if (opened?.owned) await opened.client.close();
  }
}

export default defineTask({
  type: 'sql.query',
  aliases: [
    'io.kestra.plugin.jdbc.postgresql.Query',
    'io.kestra.plugin.jdbc.sqlite.Query',
    'io.kestra.plugin.jdbc.mysql.Query',
    'io.kestra.plugin.jdbc.mariadb.Query',
  ],
  title: 'SQL query',
  description:
    'Runs one SQL statement on PostgreSQL, MySQL/MariaDB or SQLite, chosen by the `url`. Values in ' +
    '`parameters` are bound by the driver (prepared statements), never written into the SQL. `fetchType` ' +
    'decides what becomes outputs: ONE → `row`, ALL → `rows`, STORE → `uri` of a JSON Lines file; `size` ' +
    'counts the rows, and `affectedRows` counts the rows an INSERT, UPDATE or DELETE changed. Dates and ' +
    'times come back as text, binary values as base64. Connections to a server are kept and shared across ' +
    'executions; a SQLite file is opened for the task (and created if missing).',
  properties: Properties,
  outputs: T.Object({
    row: T.Optional(T.Union([T.Record(T.String(), T.Unknown()), T.Null()], { description: 'With ONE' })),
    rows: T.Optional(T.Array(T.Record(T.String(), T.Unknown()), { description: 'With ALL' })),
    uri: T.Optional(T.String({ description: 'With STORE: a JSON Lines file, one row per line' })),
    size: T.Optional(T.Integer({ description: 'Rows fetched or stored' })),
    affectedRows: T.Optional(T.Integer({ description: 'Rows an INSERT, UPDATE or DELETE changed' })),
  }),
  examples: [
    {
      title: 'Record a reading in PostgreSQL',
      code: [
        '- id: record',
        '  type: sql.query',
        '  url: "{{ secret(\'PLANT_DB_URL\') }}"',
        '  sql: insert into readings (sensor, celsius) values (:sensor, :celsius)',
        '  parameters:',
        '    sensor: "{{ trigger.topic }}"',
        '    celsius: "{{ trigger.payload.celsius }}"',
      ].join('\n'),
    },
    {
      title: 'Read the latest values from a local SQLite file',
      code: [
        '- id: latest',
        '  type: sql.query',
        '  url: sqlite:/var/lib/plant/readings.db',
        '  sql: select sensor, max(celsius) as peak from readings where day = ? group by sensor',
        '  parameters: ["{{ now() | date(\'yyyy-MM-dd\') }}"]',
        '  fetchType: ALL',
      ].join('\n'),
    },
  ],
  run,
});
