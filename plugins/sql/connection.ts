/** Reads a `sql.query` connection URL: which database, where, and as whom; never echoes a password. */
import { TaskError } from '../../protocol/errors.js';

/** The kinds of database `sql.query` speaks to. */
export type Dialect = 'postgres' | 'mysql' | 'sqlite';

/** Names for messages. */
export const DIALECT_NAMES: Readonly<Record<Dialect, string>> = {
  postgres: 'PostgreSQL',
  mysql: 'MySQL',
  sqlite: 'SQLite',
};

/** A database server to connect to. */
export interface NetworkConnection {
  dialect: 'postgres' | 'mysql';
  /** URL for the driver, credentials removed from its query string. */
  url: string;
  username?: string;
  password?: string;
  /** Where it points, without credentials: safe to log. */
  label: string;
}

/** A SQLite database file. */
export interface FileConnection {
  dialect: 'sqlite';
  /** File path, or `:memory:`. */
  file: string;
  label: string;
}

/** A database to connect to. */
export type Connection = NetworkConnection | FileConnection;

const SCHEMES: readonly [RegExp, NetworkConnection['dialect'], string][] = [
  [/^postgres(ql)?:\/\//i, 'postgres', 'postgres://'],
  [/^(mysql|mariadb):\/\//i, 'mysql', 'mysql://'],
];

function networkConnection(
  dialect: 'postgres' | 'mysql',
  text: string,
  username: string | undefined,
  password: string | undefined,
): NetworkConnection {
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    throw new TaskError(`url: not a valid ${DIALECT_NAMES[dialect]} URL`, false);
  }
  // JDBC URLs carry credentials as query parameters; the drivers want them apart.
  const queryUser = url.searchParams.get('user') ?? undefined;
  const queryPassword = url.searchParams.get('password') ?? undefined;
  url.searchParams.delete('user');
  url.searchParams.delete('password');
  const decode = (value: string) => (value ? decodeURIComponent(value) : undefined);
  const label = `${url.protocol}//${url.host}${url.pathname}`;
  return {
    dialect,
    url: url.toString(),
    username: username ?? queryUser ?? decode(url.username),
    password: password ?? queryPassword ?? decode(url.password),
    label,
  };
}

/** The file of a `sqlite:` URL: `sqlite:data.db`, `sqlite:/var/x.db`, `sqlite:///var/x.db`, `sqlite::memory:`. */
function sqliteFile(rest: string): string {
  const path = rest.split('?')[0] ?? '';
  if (path.startsWith('///')) return path.slice(2);
  if (path.startsWith('//')) return path.slice(2);
  return path;
}

/**
 * Reads a connection URL: `postgres://` or `postgresql://`, `mysql://` or
 * `mariadb://`, `sqlite:PATH`, each also with Kestra's `jdbc:` prefix.
 * `username` and `password`, when given, win over those of the URL.
 *
 * @example parseConnection('jdbc:postgresql://db:5432/plant', 'tern', 's3cret').dialect // 'postgres'
 */
export function parseConnection(url: string, username?: string, password?: string): Connection {
  const text = url.trim().replace(/^jdbc:/i, '');
  for (const [pattern, dialect, scheme] of SCHEMES) {
    if (pattern.test(text))
      return networkConnection(dialect, text.replace(pattern, scheme), username, password);
  }
  if (/^sqlite:/i.test(text)) {
    const file = sqliteFile(text.slice('sqlite:'.length));
    if (!file) throw new TaskError('url: a sqlite: URL needs a file path (or :memory:)', false);
    return { dialect: 'sqlite', file, label: `sqlite:${file}` };
  }
  const scheme = /^[a-z][a-z0-9+.-]*:/i.exec(text)?.[0] ?? 'no scheme';
  throw new TaskError(
    `url: ${scheme} is not a supported database; use postgres://…, mysql://… (or mariadb://…) or sqlite:PATH`,
    false,
  );
}
