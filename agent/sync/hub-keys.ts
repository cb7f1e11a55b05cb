/** The hub keys an agent trusts, kept in `agent_state`, and the check every signed document from the hub passes. */
import type { Logger } from '../../protocol/logger.js';
import {
  checkDetached,
  keyFingerprint,
  openDocument,
  type PublicKeyText,
  type SignatureHeader,
  trustAfter,
} from '../../protocol/signing.js';
import { type AgentState, STATE_KEYS } from './agent-state.js';

export interface HubKeysOptions {
  state: AgentState;
  /** The key given at registration (`--hub-key`): trusted when the agent holds none yet. */
  given?: PublicKeyText;
  log: Logger;
}

export type OpenedDocument = { ok: true; payload: Buffer } | { ok: false; reason: string };

/**
 * Checks each signed document against the keys the agent trusts, and follows the hub's rotations:
 * after a document signed by a trusted key (or one a trusted key endorsed) it trusts that key and the
 * next one it announces, and no older one. An agent that holds no key and was given none trusts the
 * first signed document's key (trust on first use), and says so.
 *
 * @example
 * const opened = hubKeys.open(payload, agentTopic(id, 'desired'));
 * if (opened.ok) apply(JSON.parse(opened.payload.toString())); else log.error({ reason: opened.reason }, 'refused');
 */
export class HubKeys {
  private keys: PublicKeyText[];

  constructor(private readonly options: HubKeysOptions) {
    const { state, given, log } = options;
    this.keys = storedKeys(state.get(STATE_KEYS.hubKeys));
    if (this.keys.length === 0 && given) this.keep([given]);
    else if (given && !this.keys.includes(given))
      log.warn(
        { given: keyFingerprint(given), trusted: this.keys.map(keyFingerprint) },
        "--hub-key is not a key this agent trusts now (the hub's key was rotated since it was given): the stored keys stay",
      );
  }

  /** The public keys trusted now: one, or two while a rotation is announced. */
  get trusted(): readonly PublicKeyText[] {
    return this.keys;
  }

  /** The payload of a signed document published on `topic`, or why it is refused. */
  open(document: Uint8Array, topic: string): OpenedDocument {
    const opened = openDocument(document, topic);
    if (!opened.ok) return opened;
    const trusted = this.trust(opened.header);
    return trusted.ok ? { ok: true, payload: opened.payload } : trusted;
  }

  /**
   * Whether a detached signature (`signDigest` on the hub) of bytes whose SHA-256 is `sha256` is the
   * hub's: for what is too large to sign inline, such as an agent bundle.
   */
  checkDetached(
    signature: unknown,
    sha256: Buffer,
    context: string,
  ): { ok: true } | { ok: false; reason: string } {
    const checked = checkDetached(signature, sha256, context);
    return checked.ok ? this.trust(checked.header) : checked;
  }

  /** Whether the signer is trusted (or reached by endorsements); follows a rotation when it is. */
  private trust(header: SignatureHeader): { ok: true } | { ok: false; reason: string } {
    if (this.keys.length === 0) {
      this.options.log.warn(
        { key: keyFingerprint(header.key) },
        "trusting the hub's signing key on first use: no key was stored or given (--hub-key pins it)",
      );
      this.keep([header.key]);
    }
    const trust = trustAfter(header, this.keys);
    if (!trust.ok) return trust;
    if (trust.adopted) {
      this.options.log.info(
        { trusted: trust.trusted.map(keyFingerprint), before: this.keys.map(keyFingerprint) },
        'hub signing keys updated',
      );
      this.keep(trust.trusted);
    }
    return { ok: true };
  }

  private keep(keys: PublicKeyText[]): void {
    this.keys = keys;
    this.options.state.set(STATE_KEYS.hubKeys, JSON.stringify(keys));
  }
}

function storedKeys(text: string | undefined): PublicKeyText[] {
  if (!text) return [];
  try {
    const value: unknown = JSON.parse(text);
    return Array.isArray(value) ? value.filter((k): k is string => typeof k === 'string') : [];
  } catch {
    return [];
  }
}
