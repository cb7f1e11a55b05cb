/** Rotating the hub's signing key: the keys change, the other replicas read them again, every agent is told. */
import type { PublicKeyText } from '../../protocol/signing.js';
import type { HubSigningKeys, SigningKeyInfo } from './hub-signing-keys.js';

/** What the API offers on the hub's signing keys. */
export interface SigningControl {
  /** The key agents are given at registration: the one that signs now. */
  readonly current: PublicKeyText;
  list(): SigningKeyInfo[];
  /** Announces a next key (signed by the current one) to every agent; the current key goes on signing. */
  beginRotation(): Promise<PublicKeyText>;
  /** The next key signs from now on; every agent gets its desired state signed by it. */
  finishRotation(): Promise<PublicKeyText>;
}

export interface RotationParts {
  keys: HubSigningKeys;
  /** Tells the other hub replicas to read the keys again. */
  announce(): void;
  /** Publishes every live agent's desired state again, signed with the keys as they are now. */
  republish(): Promise<void>;
}

/**
 * @example
 * const signing = signingControl({ keys, announce: () => changes.publish({ kind: 'signingKeys' }), republish: () => fleet.signingKeysChanged() });
 * await signing.beginRotation();
 */
export function signingControl({ keys, announce, republish }: RotationParts): SigningControl {
  const changed = async <T>(result: T): Promise<T> => {
    announce();
    await republish();
    return result;
  };
  return {
    get current() {
      return keys.current;
    },
    list: () => keys.list(),
    beginRotation: async () => changed(await keys.beginRotation()),
    finishRotation: async () => changed(await keys.finishRotation()),
  };
}
