/** The hub's TLS certificate and key: read from files, checked, and reloaded when the files change. */
import { X509Certificate } from 'node:crypto';
import { type FSWatcher, watch } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { basename, dirname, resolve } from 'node:path';
import { createSecureContext } from 'node:tls';
import type { Logger } from '../../protocol/logger.js';

/** Where the certificate (with its chain, leaf first) and its private key are, as PEM files. */
export interface TlsFiles {
  certFile: string;
  keyFile: string;
}

/** A certificate and key that belong together, as `tls.createServer` and `setSecureContext` take them. */
export interface CertificatePair {
  cert: Buffer;
  key: Buffer;
}

/** Something holding a TLS listener's certificate, current and to come. */
export interface ServerCertificates {
  /** The pair to serve now. */
  current(): CertificatePair;
  /** Calls `listener` with each new pair once it has loaded and checked; returns the unsubscribe function. */
  onChange(listener: (pair: CertificatePair) => void): () => void;
}

/** {@link ServerCertificates} read from files and watched; {@link close} stops watching. */
export interface WatchedCertificates extends ServerCertificates {
  /** Reads the files again now; resolves true when a new pair was taken. Watching calls it on its own. */
  reload(): Promise<boolean>;
  close(): void;
}

/** How long after the last file event the files are read: a renewal writes the key and certificate one by one. */
const SETTLE_MS = 200;

/**
 * Reads the pair and watches both files' folders (a renewal that swaps a
 * symlink or renames a file over the old one is seen as well as one that
 * rewrites it). A changed pair is taken only once the key matches the
 * certificate, so a renewal seen half-way keeps the current pair and is taken
 * at the next change. Throws, naming the file, when the first read fails.
 *
 * @example
 * const certificates = await watchCertificates({ certFile: 'hub.pem', keyFile: 'hub.key' }, log);
 * certificates.onChange((pair) => server.setSecureContext(pair));
 */
export async function watchCertificates(files: TlsFiles, logger: Logger): Promise<WatchedCertificates> {
  const log = logger.child({ component: 'tls' });
  let pair = await readPair(files);
  const report = (message: string) => {
    const fields = { certFile: files.certFile, ...describe(pair.cert) };
    log.info(fields, message);
    // Served anyway: clients refuse it with a clear reason, and a renewal is taken as soon as it lands.
    if (Date.parse(fields.validTo) < Date.now()) log.warn(fields, 'the TLS certificate has expired');
  };
  report('TLS certificate loaded');
  const listeners = new Set<(pair: CertificatePair) => void>();
  let timer: NodeJS.Timeout | undefined;
  let closed = false;

  const reload = async (): Promise<boolean> => {
    let next: CertificatePair;
    try {
      next = await readPair(files);
    } catch (err) {
      log.warn(
        { certFile: files.certFile, keyFile: files.keyFile, err: (err as Error).message },
        'TLS certificate files changed but cannot be used (yet); the current certificate stays',
      );
      return false;
    }
    if (closed || (next.cert.equals(pair.cert) && next.key.equals(pair.key))) return false;
    pair = next;
    report('TLS certificate reloaded');
    for (const listener of listeners) listener(pair);
    return true;
  };

  const watched = new Set([resolve(files.certFile), resolve(files.keyFile)]);
  const watchers: FSWatcher[] = [];
  for (const folder of new Set([...watched].map((file) => dirname(file)))) {
    const watcher = watch(folder, { persistent: false }, () => {
      // Any entry of the folder: Kubernetes and certbot swap a link to a sibling, not the file itself.
      clearTimeout(timer);
      timer = setTimeout(() => void reload(), SETTLE_MS);
    });
    watcher.on('error', (err) =>
      log.warn({ folder, err: err.message }, 'cannot watch the TLS certificate folder any more'),
    );
    watchers.push(watcher);
  }
  log.debug({ files: [...watched].map((f) => basename(f)) }, 'watching the TLS certificate files');

  return {
    current: () => pair,
    onChange(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
    reload,
    close() {
      closed = true;
      clearTimeout(timer);
      for (const watcher of watchers) watcher.close();
      listeners.clear();
    },
  };
}

/** Reads and checks both files; the error says which file is at fault and why. */
async function readPair(files: TlsFiles): Promise<CertificatePair> {
  const [cert, key] = await Promise.all([
    readFile(files.certFile).catch((err: Error) => {
      throw new Error(`TLS certificate ${files.certFile}: ${err.message}`);
    }),
    readFile(files.keyFile).catch((err: Error) => {
      throw new Error(`TLS key ${files.keyFile}: ${err.message}`);
    }),
  ]);
  try {
    new X509Certificate(cert);
  } catch (err) {
    throw new Error(`TLS certificate ${files.certFile} is not a PEM certificate: ${(err as Error).message}`);
  }
  try {
    createSecureContext({ cert, key });
  } catch (err) {
    throw new Error(
      `TLS key ${files.keyFile} cannot serve the certificate ${files.certFile}: ${(err as Error).message}`,
    );
  }
  return { cert, key };
}

/** What the logs say about a certificate: enough to tell an old one from its renewal. */
function describe(cert: Buffer): { subject: string; serial: string; validTo: string } {
  const x509 = new X509Certificate(cert);
  return {
    subject: x509.subject.replaceAll('\n', ', '),
    serial: x509.serialNumber,
    validTo: new Date(x509.validTo).toISOString(),
  };
}
