/**
 * The hub's Ed25519 signing keys: made on first start and kept in the database (so every replica signs
 * with the same one), encrypted with the hub's secret key when it has one, rotated in two steps.
 */
import { createPrivateKey, createPublicKey, generateKeyPairSync, type KeyObject } from 'node:crypto';
import { TernError } from '../../protocol/errors.js';
import type { Logger } from '../../protocol/logger.js';
import {
  type DocumentSigner,
  type Endorsement,
  endorse,
  keyFingerprint,
  type PublicKeyText,
  publicKeyText,
  type SignatureHeader,
  signDigest,
  signDocument,
} from '../../protocol/signing.js';
import type { SecretCipher } from '../secrets/cipher.js';
import type { SigningKeyRepository, SigningKeyRow, SigningKeyState } from '../store/types.js';

/** What lists show of a key: never its private half. */
export interface SigningKeyInfo {
  publicKey: PublicKeyText;
  fingerprint: string;
  state: SigningKeyState;
  createdAt: string;
}

export interface HubSigningKeysOptions {
  repository: SigningKeyRepository;
  /** The hub's secret key (TERN_SECRET_KEY): private keys are stored encrypted with it. */
  cipher?: SecretCipher;
  logger: Logger;
}

/**
 * Endorsements every document carries, newest: an agent away for more rotations than this cannot
 * follow and must be given the key again. It keeps the signature line small (about 20 KB at most).
 */
export const CARRIED_ENDORSEMENTS = 100;

/** The AES-GCM additional data a private key is encrypted under: it cannot be moved to another key's row. */
const CIPHER_NAMESPACE = 'tern.hub';
const cipherName = (publicKey: PublicKeyText) => `signing-key/${publicKey}`;

/**
 * Signs what the hub sends agents. `current` signs; `next`, once a rotation begins, is announced in every
 * document (endorsed by the current key) until {@link finishRotation} makes it current.
 *
 * @example
 * const keys = await HubSigningKeys.open({ repository: storage.signingKeys, logger });
 * client.publishBytes(topic, keys.sign(Buffer.from(JSON.stringify(desired)), topic));
 */
export class HubSigningKeys {
  private rows: SigningKeyRow[] = [];
  private signer: DocumentSigner | undefined;
  /** Why the current key cannot sign (its private key sealed with another TERN_SECRET_KEY, or none). */
  private unavailable: string | undefined;

  private constructor(private readonly options: HubSigningKeysOptions) {}

  /** Loads the keys, making the first one if the database has none. */
  static async open(options: HubSigningKeysOptions): Promise<HubSigningKeys> {
    const keys = new HubSigningKeys(options);
    await keys.reload();
    if (!keys.signer && !keys.unavailable) {
      const { publicKey, privateKey } = generateKeyPairSync('ed25519');
      const text = publicKeyText(publicKey);
      // Another replica starting at the same time may store its key first: then that one is everybody's.
      const stored = await options.repository.add({
        publicKey: text,
        state: 'current',
        privateKey: keys.seal(text, privateKey),
        endorsedBy: null,
        endorsement: null,
      });
      if (stored) options.logger.info({ key: keyFingerprint(text) }, 'signing key made');
      await keys.reload();
    }
    if (!keys.signer && !keys.unavailable) throw new Error('no current signing key after making one');
    return keys;
  }

  /** The public key that signs now: what an agent is given at registration. */
  get current(): PublicKeyText {
    const row = this.rows.find((r) => r.state === 'current');
    return row ? row.publicKey : this.currentSigner().publicKey;
  }

  /** The key announced for the rotation under way, if one is. */
  get next(): PublicKeyText | undefined {
    return this.rows.find((r) => r.state === 'next')?.publicKey;
  }

  /** Every key, oldest first. */
  list(): SigningKeyInfo[] {
    return this.rows.map((r) => ({
      publicKey: r.publicKey,
      fingerprint: keyFingerprint(r.publicKey),
      state: r.state,
      createdAt: r.createdAt,
    }));
  }

  /** The signed document carrying `payload`, bound to `context` (a topic). */
  sign(payload: Uint8Array, context: string): Buffer {
    return signDocument(payload, context, this.currentSigner());
  }

  /** A detached signature of bytes whose SHA-256 is `sha256` (an agent bundle), bound to `context`. */
  signDigest(sha256: Buffer, context: string): SignatureHeader {
    return signDigest(sha256, context, this.currentSigner());
  }

  /** Reads the keys again (at start, and when another replica rotated them). */
  async reload(): Promise<void> {
    const rows = await this.options.repository.all();
    const current = rows.find((r) => r.state === 'current');
    const endorsements: Endorsement[] = rows
      .filter((r) => r.endorsedBy && r.endorsement)
      .map((r) => ({ key: r.publicKey, by: r.endorsedBy!, sig: r.endorsement! }))
      .slice(-CARRIED_ENDORSEMENTS);
    this.rows = rows;
    this.signer = undefined;
    this.unavailable = undefined;
    if (!current) return;
    try {
      this.signer = { publicKey: current.publicKey, privateKey: this.unseal(current), endorsements };
    } catch (error) {
      // Like the stored secrets: the hub still starts and serves; what needs the key says why it cannot.
      this.unavailable = `the hub cannot sign desired states: ${(error as Error).message}`;
      this.options.logger.error({ key: keyFingerprint(current.publicKey) }, this.unavailable);
    }
  }

  /**
   * Begins a rotation: makes the next key, endorsed by the current one. Documents signed from now on
   * announce it, and agents trust both keys. Returns the next key (the one already announced, if any).
   */
  async beginRotation(): Promise<PublicKeyText> {
    const existing = this.next;
    if (existing) return existing;
    const signer = this.currentSigner();
    const { publicKey, privateKey } = generateKeyPairSync('ed25519');
    const text = publicKeyText(publicKey);
    const { sig } = endorse(signer.privateKey, signer.publicKey, text);
    await this.options.repository.add({
      publicKey: text,
      state: 'next',
      privateKey: this.seal(text, privateKey),
      endorsedBy: signer.publicKey,
      endorsement: sig,
    });
    await this.reload();
    const next = this.next;
    if (!next) throw new Error('no next signing key after making one');
    this.options.logger.info({ key: keyFingerprint(next) }, 'signing key rotation begun: next key announced');
    return next;
  }

  /** Ends the rotation: the next key signs from now on and the old one's private key is deleted. */
  async finishRotation(): Promise<PublicKeyText> {
    if (!(await this.options.repository.promote()))
      throw new TernError('CONFLICT', 'no rotation under way: begin one first (POST /signing-keys/next)');
    await this.reload();
    this.options.logger.info({ key: keyFingerprint(this.current) }, 'signing key rotation finished');
    return this.current;
  }

  private currentSigner(): DocumentSigner {
    if (!this.signer) throw new TernError('CONFLICT', this.unavailable ?? 'the hub has no signing key');
    return this.signer;
  }

  private seal(publicKey: PublicKeyText, privateKey: KeyObject): string {
    const pem = privateKey.export({ format: 'pem', type: 'pkcs8' }).toString();
    return this.options.cipher
      ? this.options.cipher.encrypt(CIPHER_NAMESPACE, cipherName(publicKey), pem)
      : pem;
  }

  private unseal(row: SigningKeyRow): KeyObject {
    const stored = row.privateKey;
    if (!stored) throw new Error(`signing key ${keyFingerprint(row.publicKey)} has no private key`);
    let pem = stored;
    if (!stored.startsWith('-----BEGIN')) {
      if (!this.options.cipher)
        throw new TernError(
          'BAD_REQUEST',
          "the hub's signing key is stored encrypted: start the hub with the TERN_SECRET_KEY it was stored with",
        );
      pem = this.options.cipher.decrypt(CIPHER_NAMESPACE, cipherName(row.publicKey), stored);
    }
    const key = createPrivateKey(pem);
    if (publicKeyText(createPublicKey(key)) !== row.publicKey)
      throw new Error(`signing key ${keyFingerprint(row.publicKey)}: its private key does not match`);
    return key;
  }
}
