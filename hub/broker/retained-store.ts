/**
 * The broker's in-memory persistence with retained messages indexed by exact
 * topic. aedes' memory store scans every retained message for each new
 * subscription, so with thousands of agents (each with retained `desired`
 * and `status` topics) every connect grew slower. Agents subscribe to exact
 * topics, which are now one map lookup; wildcard filters still scan.
 */
import { Readable } from 'node:stream';
import memoryModule, { type AedesMemoryPersistence } from 'aedes-persistence';

/** The fields of a stored retained packet that the index reads. */
type Packet = { topic: string; payload: Buffer | string };

// A CommonJS module whose typings use `export default`: at runtime the default import is the factory itself.
const memoryPersistence = memoryModule as unknown as () => AedesMemoryPersistence;

/** True when an MQTT topic filter contains a wildcard level. */
export function isWildcardFilter(filter: string): boolean {
  return filter.includes('+') || filter.includes('#');
}

/**
 * aedes' memory persistence, except that retained messages for exact-topic
 * filters come from a map keyed by topic. Wildcard filters are answered by
 * the memory store's own scan, which keeps holding every retained message.
 */
export function indexedMemoryPersistence(): AedesMemoryPersistence {
  const base = memoryPersistence();
  const storeBase = base.storeRetained.bind(base) as (packet: Packet) => Promise<void>;
  const streamBase = base.createRetainedStream.bind(base);
  const byTopic = new Map<string, Packet>();

  async function* matching(patterns: readonly string[]): AsyncGenerator<Packet> {
    for (const pattern of patterns) {
      if (!isWildcardFilter(pattern)) {
        const packet = byTopic.get(pattern);
        if (packet) yield packet;
      } else {
        for await (const packet of streamBase(pattern)) yield packet as Packet;
      }
    }
  }

  // aedes calls storeRetained without a callback and awaits the promise.
  const storeRetained = async (packet: Packet): Promise<void> => {
    await storeBase(packet);
    if (packet.payload.length === 0) byTopic.delete(packet.topic);
    else byTopic.set(packet.topic, { ...packet });
  };
  return Object.assign(base, {
    storeRetained: storeRetained as unknown as AedesMemoryPersistence['storeRetained'],
    createRetainedStream: (pattern: string) => Readable.from(matching([pattern])),
    createRetainedStreamCombi: (patterns: string[]) => Readable.from(matching(patterns)),
  });
}
