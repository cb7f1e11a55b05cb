/**
 * Signed documents from the hub (docs/security.md, "Signed desired state"): Ed25519 over the exact
 * payload bytes, a header line in front of them, and the key endorsements that carry trust across rotations.
 */
import { createHash, createPublicKey, type KeyObject, sign, verify } from 'node:crypto';
import { Ajv } from 'ajv';
import {
  type Endorsement,
  type PublicKeyText,
  type SignatureHeader,
  SignatureHeaderSchema,
} from './signature-header.js';

// The header's shapes need no Node module: they live apart, so the web UI can use them.
export {
  type Endorsement,
  EndorsementSchema,
  type PublicKeyText,
  type SignatureHeader,
  SignatureHeaderSchema,
} from './signature-header.js';

/** What signs: the private key, its public text, and every endorsement the hub holds (oldest first). */
export interface DocumentSigner {
  publicKey: PublicKeyText;
  privateKey: KeyObject;
  endorsements: readonly Endorsement[];
}

/** Longest header line read, in bytes: a thousand endorsements fit. */
const MAX_HEADER_BYTES = 256 * 1024;
const NEWLINE = 0x0a;
const checkHeader = new Ajv({ strict: true }).compile(SignatureHeaderSchema);

/** The public text of a key pair's public key. */
export function publicKeyText(key: KeyObject): PublicKeyText {
  const jwk = key.export({ format: 'jwk' });
  if (jwk.crv !== 'Ed25519' || typeof jwk.x !== 'string') throw new Error('not an Ed25519 key');
  return jwk.x;
}

/** Whether `text` is an Ed25519 public key in its text form. */
export function isPublicKeyText(text: string): boolean {
  return /^[A-Za-z0-9_-]{43}$/.test(text) && publicKeyObject(text) !== null;
}

/** A short, stable name for a key in logs and lists: the first 16 hex digits of SHA-256 of its bytes. */
export function keyFingerprint(key: PublicKeyText): string {
  return createHash('sha256').update(Buffer.from(key, 'base64url')).digest('hex').slice(0, 16);
}

/**
 * What is signed: a domain tag, the context (for `desired`, its MQTT topic, so that a document cannot be
 * moved to another agent or kind) and the SHA-256 of the payload's exact bytes. The payload is never
 * re-encoded, so no JSON key order matters; a large payload (an agent bundle) can be hashed as it streams.
 */
export function signedBytes(context: string, payloadSha256: Buffer): Buffer {
  return Buffer.from(`tern-signed/1\n${context}\n${payloadSha256.toString('hex')}`, 'utf8');
}

const endorsedBytes = (key: PublicKeyText) => Buffer.from(`tern-key/1\n${key}`, 'utf8');
const sha256 = (bytes: Uint8Array) => createHash('sha256').update(bytes).digest();

/** `by` vouches for `key`. */
export function endorse(byPrivate: KeyObject, by: PublicKeyText, key: PublicKeyText): Endorsement {
  return { key, by, sig: sign(null, endorsedBytes(key), byPrivate).toString('base64url') };
}

/**
 * The signed document: the header line, a newline, then `payload` unchanged.
 *
 * @example
 * const wire = signDocument(Buffer.from(JSON.stringify(desired)), agentTopic(id, 'desired'), signer);
 */
export function signDocument(payload: Uint8Array, context: string, signer: DocumentSigner): Buffer {
  const header = signDigest(sha256(payload), context, signer);
  return Buffer.concat([Buffer.from(`${JSON.stringify(header)}\n`, 'utf8'), payload]);
}

/**
 * A detached signature of bytes known by their SHA-256 (an agent bundle, hashed as it streams), to send
 * beside them; the receiver checks it with {@link checkDetached} and {@link trustAfter}.
 */
export function signDigest(payloadSha256: Buffer, context: string, signer: DocumentSigner): SignatureHeader {
  const sig = sign(null, signedBytes(context, payloadSha256), signer.privateKey).toString('base64url');
  const header: SignatureHeader = { v: 1, key: signer.publicKey, sig };
  if (signer.endorsements.length > 0) header.endorsements = [...signer.endorsements];
  return header;
}

/** Checks a detached signature (from {@link signDigest}) of bytes whose SHA-256 is `payloadSha256`. Never throws. */
export function checkDetached(
  header: unknown,
  payloadSha256: Buffer,
  context: string,
): { ok: true; header: SignatureHeader } | { ok: false; reason: string } {
  if (!checkHeader(header)) return { ok: false, reason: 'unsigned: no valid signature header' };
  if (!verifies(header.key, signedBytes(context, payloadSha256), header.sig))
    return {
      ok: false,
      reason: `bad signature: the payload was not signed by key ${keyFingerprint(header.key)} for ${context}`,
    };
  return { ok: true, header };
}

export type OpenResult =
  | { ok: true; header: SignatureHeader; payload: Buffer }
  | { ok: false; reason: string };

/**
 * Splits a signed document and checks its signature against the key it names. Whether that key is
 * trusted is {@link trustAfter}'s question. Never throws.
 */
export function openDocument(document: Uint8Array, context: string): OpenResult {
  const bytes = Buffer.from(document.buffer, document.byteOffset, document.byteLength);
  const end = bytes.subarray(0, MAX_HEADER_BYTES + 1).indexOf(NEWLINE);
  if (end < 0 || bytes[0] !== 0x7b)
    return { ok: false, reason: 'unsigned: no signature line before the payload' };
  let header: unknown;
  try {
    header = JSON.parse(bytes.subarray(0, end).toString('utf8'));
  } catch {
    return { ok: false, reason: 'unsigned: the first line is not a signature header' };
  }
  if (!checkHeader(header))
    return { ok: false, reason: 'unsigned: the first line is not a signature header' };
  const payload = bytes.subarray(end + 1);
  const checked = checkDetached(header, sha256(payload), context);
  return checked.ok ? { ok: true, header, payload } : checked;
}

export type TrustResult =
  | { ok: true; trusted: PublicKeyText[]; adopted: boolean }
  | { ok: false; reason: string };

/**
 * Whether a document signed as `header` says is from the hub, for an agent that trusts `trusted`, and
 * which keys it trusts after it. Accepted: a trusted signer, or one reached from a trusted key through
 * valid endorsements (rotations the agent was away for). After an accepted document the agent trusts
 * its signer and the keys the signer endorses (the next key, announced), and no older key.
 */
export function trustAfter(header: SignatureHeader, trusted: readonly PublicKeyText[]): TrustResult {
  const endorsements = header.endorsements ?? [];
  const reached = new Set(trusted);
  for (let grew = true; grew && !reached.has(header.key); ) {
    grew = false;
    for (const e of endorsements)
      if (!reached.has(e.key) && reached.has(e.by) && validEndorsement(e)) {
        reached.add(e.key);
        grew = true;
      }
  }
  if (!reached.has(header.key))
    return {
      ok: false,
      reason: `signed by key ${keyFingerprint(header.key)}, which this agent does not trust (it trusts ${
        trusted.map(keyFingerprint).join(', ') || 'none'
      })`,
    };
  const next = endorsements.filter((e) => e.by === header.key && validEndorsement(e)).map((e) => e.key);
  const after = [header.key, ...next.filter((k) => k !== header.key)];
  const adopted = after.length !== trusted.length || after.some((k) => !trusted.includes(k));
  return { ok: true, trusted: after, adopted };
}

function validEndorsement(e: Endorsement): boolean {
  return verifies(e.by, endorsedBytes(e.key), e.sig);
}

const publicKeys = new Map<PublicKeyText, KeyObject | null>();

/** The key object of a public key's text (null when it is not one), kept: agents see the same few keys. */
function publicKeyObject(key: PublicKeyText): KeyObject | null {
  let object = publicKeys.get(key);
  if (object === undefined) {
    try {
      object = createPublicKey({ key: { kty: 'OKP', crv: 'Ed25519', x: key }, format: 'jwk' });
    } catch {
      object = null;
    }
    if (publicKeys.size > 64) publicKeys.clear();
    publicKeys.set(key, object);
  }
  return object;
}

function verifies(key: PublicKeyText, data: Buffer, sig: string): boolean {
  const object = publicKeyObject(key);
  if (!object) return false;
  try {
    return verify(null, data, object, Buffer.from(sig, 'base64url'));
  } catch {
    return false;
  }
}
