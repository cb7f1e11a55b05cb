/** Signed documents: exact bytes, the context they are bound to, and trust carried across key rotations. */
import { createHash, generateKeyPairSync } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import {
  checkDetached,
  type DocumentSigner,
  endorse,
  keyFingerprint,
  openDocument,
  publicKeyText,
  signDigest,
  signDocument,
  trustAfter,
} from './signing.js';

function keyPair(endorsements: DocumentSigner['endorsements'] = []): DocumentSigner {
  const { privateKey, publicKey } = generateKeyPairSync('ed25519');
  return { privateKey, publicKey: publicKeyText(publicKey), endorsements };
}

const payload = Buffer.from('{"b":1,"a":"é"}');
const topic = 'tern/v1/agents/gw-1/desired';

describe('signed documents', () => {
  it('give back the exact payload bytes once the signature checks', () => {
    const signer = keyPair();
    const opened = openDocument(signDocument(payload, topic, signer), topic);
    expect(opened.ok && opened.payload.equals(payload)).toBe(true);
  });

  it('refuse an unsigned payload, a changed byte, and a document moved to another topic', () => {
    const signer = keyPair();
    const wire = signDocument(payload, topic, signer);
    expect(openDocument(payload, topic)).toEqual({
      ok: false,
      reason: 'unsigned: no signature line before the payload',
    });
    const changed = Buffer.from(wire);
    changed.writeUInt8(changed.readUInt8(changed.length - 2) ^ 1, changed.length - 2);
    expect(openDocument(changed, topic)).toMatchObject({
      ok: false,
      reason: expect.stringMatching(/^bad signature/),
    });
    expect(openDocument(wire, 'tern/v1/agents/gw-2/desired')).toMatchObject({
      ok: false,
      reason: expect.stringMatching(/^bad signature/),
    });
  });

  it('are trusted when signed by a trusted key, and refused when signed by another', () => {
    const hub = keyPair();
    const other = keyPair();
    const opened = openDocument(signDocument(payload, topic, other), topic);
    if (!opened.ok) throw new Error(opened.reason);
    expect(trustAfter(opened.header, [hub.publicKey])).toEqual({
      ok: false,
      reason: `signed by key ${keyFingerprint(other.publicKey)}, which this agent does not trust (it trusts ${keyFingerprint(hub.publicKey)})`,
    });
  });

  it('carry trust through a rotation: the next key announced, then used, then the old one dropped', () => {
    const current = keyPair();
    const next = keyPair();
    const announced = endorse(current.privateKey, current.publicKey, next.publicKey);
    const during = openDocument(
      signDocument(payload, topic, { ...current, endorsements: [announced] }),
      topic,
    );
    if (!during.ok) throw new Error(during.reason);
    expect(trustAfter(during.header, [current.publicKey])).toEqual({
      ok: true,
      trusted: [current.publicKey, next.publicKey],
      adopted: true,
    });
    const after = openDocument(signDocument(payload, topic, { ...next, endorsements: [announced] }), topic);
    if (!after.ok) throw new Error(after.reason);
    // An agent that saw the announcement, and one that missed the whole overlap, both end up trusting the new key only.
    expect(trustAfter(after.header, [current.publicKey, next.publicKey])).toEqual({
      ok: true,
      trusted: [next.publicKey],
      adopted: true,
    });
    expect(trustAfter(after.header, [current.publicKey])).toEqual({
      ok: true,
      trusted: [next.publicKey],
      adopted: true,
    });
    const old = openDocument(signDocument(payload, topic, current), topic);
    if (!old.ok) throw new Error(old.reason);
    expect(trustAfter(old.header, [next.publicKey]).ok).toBe(false);
  });

  it('ignore an endorsement a trusted key did not sign', () => {
    const current = keyPair();
    const attacker = keyPair();
    const forged = {
      ...endorse(attacker.privateKey, attacker.publicKey, attacker.publicKey),
      by: current.publicKey,
    };
    const opened = openDocument(signDocument(payload, topic, { ...attacker, endorsements: [forged] }), topic);
    if (!opened.ok) throw new Error(opened.reason);
    expect(trustAfter(opened.header, [current.publicKey]).ok).toBe(false);
  });

  it('sign bytes known only by their SHA-256 with a detached signature, checked against the same context', () => {
    const signer = keyPair();
    const digest = createHash('sha256').update('a large agent bundle').digest();
    const signature = signDigest(digest, 'tern/v1/bundles/agent-1.2.0', signer);
    expect(
      checkDetached(JSON.parse(JSON.stringify(signature)), digest, 'tern/v1/bundles/agent-1.2.0'),
    ).toEqual({
      ok: true,
      header: signature,
    });
    expect(checkDetached(signature, digest, 'tern/v1/bundles/agent-1.3.0').ok).toBe(false);
    expect(checkDetached({ v: 1 }, digest, 'tern/v1/bundles/agent-1.2.0')).toEqual({
      ok: false,
      reason: 'unsigned: no valid signature header',
    });
  });
});
