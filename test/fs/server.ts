/** The fs tests' own connection to a test server (SFTP, FTP or FTPS), and the removal of what a run left there. */
import { posix } from 'node:path';
import { ftpProtocol, ftpsProtocol } from '../../plugins/fs/ftp-client.js';
import type { Protocol, RemoteFs } from '../../plugins/fs/remote.js';
import { sftpProtocol } from '../../plugins/fs/sftp-client.js';

export const PROTOCOLS = { sftp: sftpProtocol, ftp: ftpProtocol, ftps: ftpsProtocol } as const;

/** Logs in to the server of `url` (TERN_TEST_*_URL) with `protocol`; FTPS trusts the test server's self-signed certificate. */
export function connect(protocol: Protocol, url: string): Promise<{ fs: RemoteFs; home: string }> {
  const server = new URL(url);
  return protocol.open({
    host: server.hostname,
    port: server.port,
    username: server.username,
    password: server.password,
    insecureTrustAllCertificates: true,
  } as Parameters<Protocol['open']>[0]);
}

/** Removes `dir` and everything below it; nothing when it is not there. */
export async function removeTree(fs: RemoteFs, dir: string): Promise<void> {
  if ((await fs.stat(dir)) === undefined) return;
  const entries = await fs.list(dir, true);
  // Deepest first: a folder is empty by the time it is removed.
  for (const entry of entries.sort((a, b) => b.path.length - a.path.length)) await fs.delete(entry.path);
  await fs.delete(dir);
}

/** The folder, below the user's home, that one test file works in. */
export const runFolder = (name: string) => posix.join('/', `${name}-${Date.now().toString(36)}`);
