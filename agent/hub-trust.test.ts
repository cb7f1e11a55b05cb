import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { checkHubTrust, describeCertificateError, loadHubTrust, PIN_MISMATCH } from './hub-trust.js';

const dir = mkdtempSync(join(tmpdir(), 'tern-trust-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('hub trust options', () => {
  it('takes public-key pins and certificate fingerprints with or without colons', () => {
    expect(() =>
      checkHubTrust({
        pins: [
          'sha256/47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=',
          '61A1323BE71D9062F668AC1848E3B68F335AA9BC3EE9E17D01F8AC092488C34D',
          '61:a1:32:3b:e7:1d:90:62:f6:68:ac:18:48:e3:b6:8f:33:5a:a9:bc:3e:e9:e1:7d:01:f8:ac:09:24:88:c3:4d',
        ],
      }),
    ).not.toThrow();
  });

  it('refuses a pin that is neither, saying what a pin looks like', () => {
    expect(() => checkHubTrust({ pins: ['sha1/abc'] })).toThrow(
      /tls-pin: 'sha1\/abc' is neither sha256\/<base64 SHA-256 of the public key> nor a SHA-256 certificate fingerprint/,
    );
  });

  it('verifies certificates unless skipping is asked for by name', () => {
    expect(loadHubTrust({}).rejectUnauthorized).toBe(true);
    expect(loadHubTrust({ insecureSkipVerify: true }).rejectUnauthorized).toBe(false);
  });

  it('says which CA file cannot be used and why', () => {
    expect(() => loadHubTrust({ caFile: join(dir, 'missing.pem') })).toThrow(
      /ca-file: cannot read .*missing\.pem/,
    );
    const notPem = join(dir, 'not.pem');
    writeFileSync(notPem, 'hello');
    expect(() => loadHubTrust({ caFile: notPem })).toThrow(/ca-file: .*not\.pem holds no PEM certificate/);
  });

  it('explains certificate errors with what to do, and leaves other errors alone', () => {
    const error = (code: string, message = code) => Object.assign(new Error(message), { code });
    expect(describeCertificateError(error('UNABLE_TO_VERIFY_LEAF_SIGNATURE'))).toMatch(
      /trusted CA.*--ca-file/,
    );
    expect(describeCertificateError(error('CERT_HAS_EXPIRED'))).toMatch(/not valid now/);
    expect(describeCertificateError(error('ERR_TLS_CERT_ALTNAME_INVALID'))).toMatch(/host name/);
    expect(describeCertificateError(error(PIN_MISMATCH, 'no pin'))).toMatch(/no pin: update --tls-pin/);
    expect(describeCertificateError(error('ECONNREFUSED'))).toBeUndefined();
  });
});
