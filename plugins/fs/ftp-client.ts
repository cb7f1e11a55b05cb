/** FTP and FTPS through basic-ftp: Kestra's ftp and ftps connection properties and a {@link RemoteFs} over one control connection. */
import { createRequire } from 'node:module';
import { posix } from 'node:path';
import { Type as T } from '@sinclair/typebox';
import type { Client, FileInfo } from 'basic-ftp';
import { lazyModule } from '../lazy.js';
import type { ConnectionProps, Protocol, RemoteEntry, RemoteFs } from './remote.js';

const require = createRequire(import.meta.url);
const basicFtp = lazyModule<typeof import('basic-ftp')>(() => require('basic-ftp'));

/** How long connecting, and then each reply, may take. */
const TIMEOUT_MS = 10_000;
/** basic-ftp's FileType.Directory. */
const DIRECTORY = 2;

export interface FtpProps extends ConnectionProps {
  passiveMode?: boolean;
  remoteIpVerification?: boolean;
  /** FTPS only. */
  mode?: 'EXPLICIT' | 'IMPLICIT';
  dataChannelProtectionLevel?: 'P' | 'C' | 'S' | 'E';
  insecureTrustAllCertificates?: boolean;
}

/** One operation at a time: an FTP control connection carries one command and its transfer. */
class FtpFs implements RemoteFs {
  constructor(private readonly client: Client) {}

  /** The modification date: from the listing (MLSD), else asked for (MDTM); undefined when the server does not say. */
  private async dateOf(path: string, info: FileInfo): Promise<string | undefined> {
    if (info.modifiedAt) return info.modifiedAt.toISOString();
    if (info.type === DIRECTORY) return undefined;
    return (await this.client.lastMod(path).catch(() => undefined))?.toISOString();
  }

  private async entryOf(dir: string, info: FileInfo): Promise<RemoteEntry> {
    const path = posix.join(dir, info.name);
    return {
      name: info.name,
      path,
      fileType: info.type === DIRECTORY ? 'FOLDER' : 'FILE',
      symbolicLink: info.isSymbolicLink,
      size: info.size,
      updatedDate: await this.dateOf(path, info),
    };
  }

  async list(dir: string, recursive: boolean): Promise<RemoteEntry[]> {
    const infos = (await this.client.list(dir)).filter((i) => i.name !== '.' && i.name !== '..');
    const entries: RemoteEntry[] = [];
    for (const info of infos.sort((a, b) => a.name.localeCompare(b.name))) {
      const entry = await this.entryOf(dir, info);
      entries.push(entry);
      if (recursive && entry.fileType === 'FOLDER') entries.push(...(await this.list(entry.path, true)));
    }
    return entries;
  }

  async stat(path: string): Promise<RemoteEntry | undefined> {
    const dir = posix.dirname(path);
    const name = posix.basename(path);
    const infos = await this.client.list(dir).catch((err: { code?: number }) => {
      if (err.code === 550) return [];
      throw err;
    });
    const info = infos.find((i) => i.name === name);
    return info && this.entryOf(dir, info);
  }

  async download(path: string, localPath: string): Promise<void> {
    await this.client.downloadTo(localPath, path);
  }

  async upload(localPath: string, path: string): Promise<void> {
    await this.client.uploadFrom(localPath, path);
  }

  async delete(path: string): Promise<boolean> {
    const found = await this.stat(path);
    if (!found) return false;
    if (found.fileType === 'FOLDER') await this.client.removeEmptyDir(path);
    else await this.client.remove(path);
    return true;
  }

  async rename(from: string, to: string): Promise<void> {
    await this.client.rename(from, to);
  }

  async mkdirs(dir: string): Promise<void> {
    // ensureDir moves the working folder; every path here is absolute, so that does not matter.
    await this.client.ensureDir(dir);
  }

  async close(): Promise<void> {
    this.client.close();
  }
}

const FtpSchema = {
  passiveMode: T.Optional(
    T.Boolean({ default: true, description: 'Passive mode, the only one supported: false is refused' }),
  ),
  remoteIpVerification: T.Optional(
    T.Boolean({
      default: true,
      description: "Accepted for Kestra's flows; data connections always go to the control connection's host",
    }),
  ),
};

const FtpsSchema = {
  ...FtpSchema,
  mode: T.Optional(
    T.Union([T.Literal('EXPLICIT'), T.Literal('IMPLICIT')], {
      default: 'EXPLICIT',
      description:
        'EXPLICIT: TLS asked for on the FTP port (AUTH TLS); IMPLICIT: TLS from the start (port 990)',
    }),
  ),
  dataChannelProtectionLevel: T.Optional(
    T.Union([T.Literal('P'), T.Literal('C'), T.Literal('S'), T.Literal('E')], {
      default: 'P',
      description:
        'Data connections are always private (P), encrypted like the control connection; other levels are refused',
    }),
  ),
  insecureTrustAllCertificates: T.Optional(
    T.Boolean({
      default: false,
      description:
        'Accept any server certificate (a self-signed one): no protection against a man in the middle',
    }),
  ),
};

/** Connects and logs in, over TLS for FTPS. */
async function openFtp(props: FtpProps, secure: boolean): Promise<{ fs: RemoteFs; home: string }> {
  if (props.passiveMode === false)
    throw Object.assign(new Error('passiveMode: false (active mode) is not supported'), { code: 500 });
  if (secure && (props.dataChannelProtectionLevel ?? 'P') !== 'P')
    throw Object.assign(
      new Error(`dataChannelProtectionLevel: '${props.dataChannelProtectionLevel}' is not supported, only P`),
      { code: 500 },
    );
  const client = new (basicFtp().Client)(TIMEOUT_MS);
  try {
    await client.access({
      host: props.host,
      port: Number(props.port ?? (secure && props.mode === 'IMPLICIT' ? 990 : 21)),
      user: props.username,
      password: props.password,
      secure: secure ? (props.mode === 'IMPLICIT' ? 'implicit' : true) : false,
      secureOptions: secure ? { rejectUnauthorized: !props.insecureTrustAllCertificates } : undefined,
    });
    return { fs: new FtpFs(client), home: await client.pwd() };
  } catch (err) {
    client.close();
    throw err;
  }
}

/** FTP, Kestra's io.kestra.plugin.fs.ftp. */
export const ftpProtocol: Protocol<FtpProps> = {
  name: 'ftp',
  title: 'FTP',
  kestra: 'io.kestra.plugin.fs.ftp',
  defaultPort: 21,
  extra: FtpSchema,
  open: (props) => openFtp(props, false),
};

/** FTP over TLS, Kestra's io.kestra.plugin.fs.ftps. */
export const ftpsProtocol: Protocol<FtpProps> = {
  name: 'ftps',
  title: 'FTPS',
  kestra: 'io.kestra.plugin.fs.ftps',
  defaultPort: 21,
  extra: FtpsSchema,
  open: (props) => openFtp(props, true),
};
