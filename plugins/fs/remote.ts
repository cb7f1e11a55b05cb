/** What the sftp.* and ftp.* types share: a remote file system behind one interface, Kestra's connection properties, and opening one for a task. */
import { posix } from 'node:path';
import { Type as T, type TProperties } from '@sinclair/typebox';
import { TaskError } from '../../protocol/errors.js';

/** One file or folder of a remote listing, as Kestra's `File` model names its fields. */
export interface RemoteEntry {
  name: string;
  /** Absolute path on the server. */
  path: string;
  fileType: 'FILE' | 'FOLDER';
  symbolicLink: boolean;
  size: number;
  /** ISO-8601, when the server says. */
  updatedDate?: string;
  accessDate?: string;
  permissions?: number;
  userId?: number;
  groupId?: number;
}

/** A connected remote file system; every path is absolute. */
export interface RemoteFs {
  /** The files and folders of `dir` (and below, with `recursive`). */
  list(dir: string, recursive: boolean): Promise<RemoteEntry[]>;
  /** The entry at `path`, or undefined when there is none. */
  stat(path: string): Promise<RemoteEntry | undefined>;
  download(path: string, localPath: string): Promise<void>;
  upload(localPath: string, path: string): Promise<void>;
  /** False when there was nothing to delete. */
  delete(path: string): Promise<boolean>;
  rename(from: string, to: string): Promise<void>;
  /** Creates `dir` and its parents, as needed. */
  mkdirs(dir: string): Promise<void>;
  close(): Promise<void>;
}

/** The connection properties every type of a protocol takes. */
export interface ConnectionProps {
  host: string;
  port?: string | number;
  username?: string;
  password?: string;
  rootDir?: boolean;
}

/** One protocol: its names, its connection properties and how to connect. */
export interface Protocol<P extends ConnectionProps = ConnectionProps> {
  /** Tern's prefix (`sftp`) and the scheme of the URIs it reports. */
  name: 'sftp' | 'ftp' | 'ftps';
  title: string;
  /** Kestra's package: `io.kestra.plugin.fs.sftp`. */
  kestra: string;
  defaultPort: number;
  /** The properties beyond those of {@link connectionSchema} (keys, passive mode …). */
  extra: TProperties;
  /** Connects and logs in; `home` is where the session starts. */
  open(props: P): Promise<{ fs: RemoteFs; home: string }>;
}

/** Kestra's connection properties, with a protocol's own (typed as the common ones: the protocol reads its own). */
export function connectionSchema(protocol: Protocol) {
  const common = {
    host: T.String({ minLength: 1, description: `${protocol.title} server host` }),
    port: T.Optional(
      T.Union([T.String({ minLength: 1 }), T.Integer({ minimum: 1, maximum: 65535 })], {
        default: String(protocol.defaultPort),
        description: `${protocol.title} server port`,
      }),
    ),
    username: T.Optional(T.String({ description: 'User name' })),
    password: T.Optional(T.String({ description: 'Password' })),
    rootDir: T.Optional(
      T.Boolean({
        default: true,
        description:
          "Paths start at the server's root (`/in` is `/in`); false: at the user's home folder (`/in` is `~/in`)",
      }),
    ),
  };
  return { ...common, ...protocol.extra } as typeof common;
}

/** Where a connection goes, for messages and URIs (no credentials). */
export function serverName(protocol: Protocol, props: ConnectionProps): string {
  return `${protocol.name}://${props.host}:${props.port ?? protocol.defaultPort}`;
}

/** A connected file system with the paths of a flow made absolute. */
export interface Session {
  fs: RemoteFs;
  /** The absolute server path a flow's path names (`rootDir` applied). */
  resolve(path: string): string;
  /** A server URI of an absolute path, as Kestra's outputs give it. */
  uri(path: string): string;
}

/** Errors a retry cannot mend: a refused login, a missing or forbidden file. */
function permanent(err: unknown): boolean {
  const e = err as { level?: string; code?: unknown; message?: string };
  if (e.level === 'client-authentication') return true;
  if (e.code === 2 || e.code === 3) return true; // SFTP: no such file, permission denied
  if (typeof e.code === 'number' && e.code >= 500 && e.code < 600) return true; // FTP: permanent reply
  return /authentication|login incorrect/i.test(e.message ?? '');
}

/**
 * Connects, runs `work` and closes. A failure becomes a TaskError naming the
 * server; one that retrying cannot help (a refused login, a missing file) is
 * not retryable.
 */
export async function withSession<P extends ConnectionProps, R>(
  protocol: Protocol<P>,
  props: P,
  work: (session: Session) => Promise<R>,
): Promise<R> {
  const server = serverName(protocol, props);
  if (props.port !== undefined && !/^\d+$/.test(String(props.port)))
    throw new TaskError(`port: '${props.port}' is not a port number`, false);
  let opened: { fs: RemoteFs; home: string };
  try {
    opened = await protocol.open(props);
  } catch (err) {
    throw new TaskError(`${server}: ${(err as Error).message}`, !permanent(err), { cause: err });
  }
  const rootDir = props.rootDir ?? true;
  const session: Session = {
    fs: opened.fs,
    resolve: (path) =>
      rootDir && path.startsWith('/')
        ? posix.normalize(path)
        : posix.join(opened.home, path.replace(/^\/+/, '')),
    uri: (path) => `${server}${encodeURI(path)}`,
  };
  try {
    return await work(session);
  } catch (err) {
    if (err instanceof TaskError) throw err;
    throw new TaskError(`${server}: ${(err as Error).message}`, !permanent(err), { cause: err });
  } finally {
    await opened.fs.close().catch(() => undefined);
  }
}

/** Kestra's regExp: a Java pattern matched against the whole path. */
export function pathFilter(regExp: string | undefined): (path: string) => boolean {
  if (regExp === undefined || regExp === '') return () => true;
  let pattern: RegExp;
  try {
    pattern = new RegExp(`^(?:${regExp})$`);
  } catch (err) {
    throw new TaskError(`regExp: '${regExp}' is not a regular expression (${(err as Error).message})`, false);
  }
  return (path) => pattern.test(path);
}
