/**
 * Certificates made at test time with the `openssl` command: a private CA and
 * server certificates for 127.0.0.1 and localhost signed by it, so TLS tests
 * verify real chains instead of turning verification off.
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

/** A CA's files. */
export interface TestCa {
  name: string;
  /** PEM certificate, what clients are given as their CA file. */
  certFile: string;
  keyFile: string;
}

/** A server certificate and its key, with the serial it was issued under (upper-case hex, as Node reports it). */
export interface TestServerCertificate {
  certFile: string;
  keyFile: string;
  serial: string;
  /** PEM text of the certificate. */
  pem: string;
}

function openssl(args: string[], cwd: string): void {
  try {
    execFileSync('openssl', args, { cwd, stdio: ['ignore', 'ignore', 'pipe'] });
  } catch (err) {
    const stderr = (err as { stderr?: Buffer }).stderr?.toString() ?? '';
    throw new Error(`openssl ${args[0]} failed (the openssl command makes the test certificates): ${stderr}`);
  }
}

/**
 * Makes a CA (P-256 key, valid two days) in `dir/<name>`.
 *
 * @example const ca = makeCa(dir, 'hub-ca');
 */
export function makeCa(dir: string, name: string): TestCa {
  const home = join(dir, name);
  mkdirSync(home, { recursive: true });
  const ca = { name, certFile: join(home, 'ca.pem'), keyFile: join(home, 'ca.key') };
  openssl(
    [
      'req',
      '-x509',
      '-newkey',
      'ec',
      '-pkeyopt',
      'ec_paramgen_curve:prime256v1',
      '-nodes',
      '-keyout',
      ca.keyFile,
      '-out',
      ca.certFile,
      '-days',
      '2',
      '-subj',
      `/CN=${name}`,
      '-addext',
      'basicConstraints=critical,CA:TRUE',
      '-addext',
      'keyUsage=critical,keyCertSign,cRLSign',
    ],
    home,
  );
  return ca;
}

let serials = 0x1000;

/**
 * Issues a server certificate for 127.0.0.1 and localhost, signed by `ca`,
 * into `dir/<name>.pem` and `dir/<name>.key`. Each call gets a new serial
 * and a new key unless `keyFile` names one to reuse.
 */
export function issueServerCertificate(
  ca: TestCa,
  dir: string,
  name: string,
  options: { keyFile?: string } = {},
): TestServerCertificate {
  mkdirSync(dir, { recursive: true });
  const keyFile = options.keyFile ?? join(dir, `${name}.key`);
  const certFile = join(dir, `${name}.pem`);
  const csr = join(dir, `${name}.csr`);
  const ext = join(dir, `${name}.ext`);
  const serial = (serials++).toString(16).toUpperCase();
  writeFileSync(
    ext,
    'subjectAltName=IP:127.0.0.1,DNS:localhost\nextendedKeyUsage=serverAuth\nbasicConstraints=CA:FALSE\n',
  );
  const key = options.keyFile
    ? ['-key', keyFile]
    : ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-keyout', keyFile];
  openssl(['req', '-new', ...key, '-out', csr, '-subj', '/CN=localhost'], dir);
  openssl(
    [
      'x509',
      '-req',
      '-in',
      csr,
      '-CA',
      ca.certFile,
      '-CAkey',
      ca.keyFile,
      '-set_serial',
      `0x${serial}`,
      '-days',
      '2',
      '-extfile',
      ext,
      '-out',
      certFile,
    ],
    dir,
  );
  return { certFile, keyFile, serial, pem: readFileSync(certFile, 'utf8') };
}
