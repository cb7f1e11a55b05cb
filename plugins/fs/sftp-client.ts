/** SFTP through ssh2's client: Kestra's sftp connection properties and a {@link RemoteFs} over one SSH session. */
import { createRequire } from 'node:module';
import { posix } from 'node:path';
import { Type as T } from '@sinclair/typebox';
import type { Client, FileEntryWithStats, SFTPWrapper, Stats } from 'ssh2';
import { lazyModule } from '../lazy.js';
import type { ConnectionProps, Protocol, RemoteEntry, RemoteFs } from './remote.js';

const require = createRequire(import.meta.url);
const ssh2 = lazyModule<typeof import('ssh2')>(() => require('ssh2'));

/** How long connecting and logging in may take. */
const CONNECT_TIMEOUT_MS = 10_000;
/** SFTP status codes (draft-ietf-secsh-filexfer): no such file. */
const NO_SUCH_FILE = 2;

export interface SftpProps extends ConnectionProps {
  keyfile?: string;
  passphrase?: string;
}

const isoOf = (seconds: number | undefined) =>
  seconds === undefined ? undefined : new Date(seconds * 1000).toISOString();

function entryOf(path: string, stats: Stats): RemoteEntry {
  return {
    name: posix.basename(path),
    path,
    fileType: stats.isDirectory() ? 'FOLDER' : 'FILE',
    symbolicLink: stats.isSymbolicLink(),
    size: stats.size,
    updatedDate: isoOf(stats.mtime),
    accessDate: isoOf(stats.atime),
    permissions: stats.mode & 0o7777,
    userId: stats.uid,
    groupId: stats.gid,
  };
}

/** Calls an ssh2 SFTP method with a node-style callback, as a promise. */
function call<R>(run: (done: (err: Error | null | undefined, result?: R) => void) => void): Promise<R> {
  return new Promise((resolve, reject) => run((err, result) => (err ? reject(err) : resolve(result as R))));
}

const missing = (err: unknown) => (err as { code?: unknown }).code === NO_SUCH_FILE;

class SftpFs implements RemoteFs {
  constructor(
    private readonly client: Client,
    private readonly sftp: SFTPWrapper,
  ) {}

  async list(dir: string, recursive: boolean): Promise<RemoteEntry[]> {
    const items = await call<FileEntryWithStats[]>((done) => this.sftp.readdir(dir, done));
    const entries: RemoteEntry[] = [];
    for (const item of items.sort((a, b) => a.filename.localeCompare(b.filename))) {
      const entry = entryOf(posix.join(dir, item.filename), item.attrs as Stats);
      entries.push(entry);
      if (recursive && entry.fileType === 'FOLDER') entries.push(...(await this.list(entry.path, true)));
    }
    return entries;
  }

  async stat(path: string): Promise<RemoteEntry | undefined> {
    try {
      return entryOf(path, await call<Stats>((done) => this.sftp.stat(path, done)));
    } catch (err) {
      if (missing(err)) return undefined;
      throw err;
    }
  }

  download(path: string, localPath: string): Promise<void> {
    return call((done) => this.sftp.fastGet(path, localPath, done));
  }

  upload(localPath: string, path: string): Promise<void> {
    return call((done) => this.sftp.fastPut(localPath, path, done));
  }

  async delete(path: string): Promise<boolean> {
    const found = await this.stat(path);
    if (!found) return false;
    if (found.fileType === 'FOLDER') await call((done) => this.sftp.rmdir(path, done));
    else await call((done) => this.sftp.unlink(path, done));
    return true;
  }

  rename(from: string, to: string): Promise<void> {
    return call((done) => this.sftp.rename(from, to, done));
  }

  async mkdirs(dir: string): Promise<void> {
    const found = await this.stat(dir);
    if (found?.fileType === 'FOLDER') return;
    const parent = posix.dirname(dir);
    if (parent !== dir) await this.mkdirs(parent);
    await call((done) => this.sftp.mkdir(dir, done));
  }

  async close(): Promise<void> {
    this.sftp.end();
    this.client.end();
  }
}

/** SFTP, Kestra's io.kestra.plugin.fs.sftp. */
export const sftpProtocol: Protocol<SftpProps> = {
  name: 'sftp',
  title: 'SFTP',
  kestra: 'io.kestra.plugin.fs.sftp',
  defaultPort: 22,
  extra: {
    keyfile: T.Optional(
      T.String({
        description:
          'A private key to log in with (its text: OpenSSH or PEM format), instead of or besides `password`',
      }),
    ),
    passphrase: T.Optional(T.String({ description: 'The passphrase of `keyfile`' })),
  },
  async open(props) {
    const client = new (ssh2().Client)();
    await new Promise<void>((resolve, reject) => {
      client.once('ready', resolve);
      client.once('error', reject);
      client.connect({
        host: props.host,
        port: Number(props.port ?? 22),
        username: props.username,
        password: props.password,
        privateKey: props.keyfile,
        passphrase: props.passphrase,
        readyTimeout: CONNECT_TIMEOUT_MS,
      });
    }).catch((err: unknown) => {
      client.end();
      throw err;
    });
    // Later errors reject the operation under way; without a listener they would end the process.
    client.on('error', () => undefined);
    try {
      const sftp = await call<SFTPWrapper>((done) => client.sftp(done));
      const home = await call<string>((done) => sftp.realpath('.', done));
      return { fs: new SftpFs(client, sftp), home };
    } catch (err) {
      client.end();
      throw err;
    }
  },
};
