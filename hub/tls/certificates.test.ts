import { X509Certificate } from 'node:crypto';
import { mkdirSync, mkdtempSync, renameSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it, vi } from 'vitest';
import { issueServerCertificate, makeCa } from '../../test/support/certificates.js';
import { type LogEntry, memoryLogger } from '../../test/support/logger.js';
import { type CertificatePair, watchCertificates } from './certificates.js';

const root = mkdtempSync(join(tmpdir(), 'tern-certs-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));
const serial = (pair: CertificatePair) => new X509Certificate(pair.cert).serialNumber;

describe('watchCertificates', () => {
  it('says which file cannot be read, or which key does not fit the certificate', async () => {
    const ca = makeCa(root, 'errors-ca');
    const a = issueServerCertificate(ca, join(root, 'errors'), 'a');
    const b = issueServerCertificate(ca, join(root, 'errors'), 'b');
    const log = memoryLogger([]);
    await expect(
      watchCertificates({ certFile: join(root, 'none.pem'), keyFile: a.keyFile }, log),
    ).rejects.toThrow(/TLS certificate .*none\.pem: ENOENT/);
    await expect(watchCertificates({ certFile: a.keyFile, keyFile: a.keyFile }, log)).rejects.toThrow(
      /a\.key is not a PEM certificate/,
    );
    await expect(watchCertificates({ certFile: a.certFile, keyFile: b.keyFile }, log)).rejects.toThrow(
      /TLS key .*b\.key cannot serve the certificate .*a\.pem/,
    );
  });

  it('follows a renewal that swaps a link to a new folder, as Kubernetes secret volumes do', async () => {
    // /etc/tls/tls.crt -> ..data/tls.crt, ..data -> ..2024_01; a renewal points ..data at ..2024_02.
    const ca = makeCa(root, 'k8s-ca');
    const volume = join(root, 'volume');
    mkdirSync(volume);
    const v1 = issueServerCertificate(ca, join(volume, '..v1'), 'tls');
    symlinkSync('..v1', join(volume, '..data'));
    symlinkSync(join('..data', 'tls.pem'), join(volume, 'tls.pem'));
    symlinkSync(join('..data', 'tls.key'), join(volume, 'tls.key'));
    const lines: LogEntry[] = [];
    const certificates = await watchCertificates(
      { certFile: join(volume, 'tls.pem'), keyFile: join(volume, 'tls.key') },
      memoryLogger(lines),
    );
    const seen: string[] = [];
    certificates.onChange((pair) => seen.push(serial(pair)));
    expect(serial(certificates.current())).toBe(v1.serial);

    const v2 = issueServerCertificate(ca, join(volume, '..v2'), 'tls');
    symlinkSync('..v2', join(volume, '..data_tmp'));
    renameSync(join(volume, '..data_tmp'), join(volume, '..data'));
    await vi.waitFor(() => expect(seen).toEqual([v2.serial]), { timeout: 10_000, interval: 20 });
    expect(serial(certificates.current())).toBe(v2.serial);
    expect(lines.find((l) => l.message === 'TLS certificate reloaded')?.fields.serial).toBe(v2.serial);
    certificates.close();
  });
});
