/**
 * How an agent (and the `tern` command) decides to trust the hub's TLS
 * certificate: a CA file, optional pins, or — only when asked by name — nothing.
 */
import { createHash, X509Certificate } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { checkServerIdentity, type PeerCertificate } from 'node:tls';

/** The options as given on the command line or in the environment. */
export interface HubTrustOptions {
  /** PEM file of the CA (or CAs) that signed the hub's certificate; it replaces the system's CAs. */
  caFile?: string;
  /**
   * Accepted certificates, any one of: `sha256/<base64>` of the certificate's
   * public key (SubjectPublicKeyInfo), or the certificate's SHA-256 fingerprint
   * in hex (colons allowed). Checked on top of the CA and host name checks.
   */
  pins?: string[];
  /** Accepts any certificate: the connection is encrypted but anyone in between can read it. */
  insecureSkipVerify?: boolean;
}

/** What `tls.connect` (and mqtt.js, ws, https) take. */
export interface TlsClientOptions {
  ca?: Buffer;
  rejectUnauthorized: boolean;
  checkServerIdentity: (host: string, cert: PeerCertificate) => Error | undefined;
}

/** `code` of the error a pin mismatch fails the handshake with. */
export const PIN_MISMATCH = 'ERR_TERN_TLS_PIN_MISMATCH';

type Pin = { kind: 'publicKey' | 'certificate'; value: string };

/**
 * Checks the options without reading files; the message names the option at
 * fault. An empty list of pins is no pins.
 *
 * @example checkHubTrust({ pins: ['sha256/47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU='] })
 */
export function checkHubTrust(options: HubTrustOptions): void {
  for (const pin of options.pins ?? []) parsePin(pin);
  if (options.insecureSkipVerify && (options.pins?.length || options.caFile))
    throw new Error(
      'insecure-skip-tls-verify: with verification off, neither the CA file nor the pins would be checked; give one or the other',
    );
}

/**
 * Reads the CA file and compiles the pins into options for `tls.connect`.
 * Throws when the CA file cannot be read or holds no certificate.
 *
 * @example mqtt.connect('mqtts://hub:8883', { ...loadHubTrust({ caFile: 'ca.pem' }), username, password })
 */
export function loadHubTrust(options: HubTrustOptions): TlsClientOptions {
  checkHubTrust(options);
  let ca: Buffer | undefined;
  if (options.caFile) {
    try {
      ca = readFileSync(options.caFile);
    } catch (err) {
      throw new Error(`ca-file: cannot read ${options.caFile}: ${(err as Error).message}`);
    }
    if (!ca.includes('-----BEGIN CERTIFICATE-----'))
      throw new Error(`ca-file: ${options.caFile} holds no PEM certificate`);
  }
  const pins = (options.pins ?? []).map(parsePin);
  return {
    ...(ca && { ca }),
    rejectUnauthorized: options.insecureSkipVerify !== true,
    checkServerIdentity(host, cert) {
      const wrongHost = checkServerIdentity(host, cert);
      if (wrongHost || pins.length === 0) return wrongHost;
      const seen = certificatePins(cert);
      if (pins.some((p) => (p.kind === 'publicKey' ? seen.publicKey : seen.certificate) === p.value)) return;
      return Object.assign(
        new Error(
          `the certificate matches none of the pins (its public key is ${seen.publicKey}, its fingerprint ${seen.certificate})`,
        ),
        { code: PIN_MISMATCH },
      );
    },
  };
}

/** The two pins a certificate answers to. */
export function certificatePins(cert: PeerCertificate): { publicKey: string; certificate: string } {
  return {
    // From the DER certificate: `cert.pubkey` is the bare point for EC keys, not the SubjectPublicKeyInfo.
    publicKey: `sha256/${createHash('sha256')
      .update(new X509Certificate(cert.raw).publicKey.export({ type: 'spki', format: 'der' }))
      .digest('base64')}`,
    certificate: cert.fingerprint256.replaceAll(':', '').toUpperCase(),
  };
}

function parsePin(text: string): Pin {
  const pin = text.trim();
  if (/^sha256\/[A-Za-z0-9+/]{43}=$/.test(pin)) return { kind: 'publicKey', value: pin };
  const hex = pin.replaceAll(':', '');
  if (/^[0-9a-fA-F]{64}$/.test(hex)) return { kind: 'certificate', value: hex.toUpperCase() };
  throw new Error(
    `tls-pin: '${text}' is neither sha256/<base64 SHA-256 of the public key> nor a SHA-256 certificate fingerprint (64 hex digits)`,
  );
}

const UNTRUSTED_ISSUER = new Set([
  'SELF_SIGNED_CERT_IN_CHAIN',
  'DEPTH_ZERO_SELF_SIGNED_CERT',
  'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
  'UNABLE_TO_GET_ISSUER_CERT',
  'UNABLE_TO_GET_ISSUER_CERT_LOCALLY',
  'CERT_SIGNATURE_FAILURE',
  'CERT_UNTRUSTED',
]);

/**
 * Why a connection was refused for the hub's certificate, in words and with
 * what to do; undefined when `err` is not about the certificate.
 *
 * @example describeCertificateError(err) // "not signed by a trusted CA (…): give the hub's CA with --ca-file"
 */
export function describeCertificateError(err: Error & { code?: unknown }): string | undefined {
  const code = typeof err.code === 'string' ? err.code : '';
  if (UNTRUSTED_ISSUER.has(code))
    return `the certificate is not signed by a trusted CA (${err.message}): give the hub's CA with --ca-file (TERN_CA_FILE)`;
  if (code === 'CERT_HAS_EXPIRED' || code === 'CERT_NOT_YET_VALID')
    return `the certificate is not valid now (${err.message}): the hub must renew it`;
  if (code === 'ERR_TLS_CERT_ALTNAME_INVALID')
    return `the certificate is not for this host name (${err.message}): connect with a name the certificate lists`;
  if (code === PIN_MISMATCH) return `${err.message}: update --tls-pin (TERN_TLS_PIN) after a key change`;
  return undefined;
}
