/** The agents' sessions on the embedded broker, and how they are ended at once when an agent is decommissioned. */
import type { Client } from 'aedes';

/** A last message written to each ended session before it closes (the agent's `decommissioned` notice). */
export interface Farewell {
  topic: string;
  payload: string | Buffer;
}

/** How long an ended session may take to flush its farewell before its socket is destroyed anyway. */
const FLUSH_GRACE_MS = 1000;

/**
 * Tracks each agent's authenticated connections. Ending them makes each one
 * read nothing more and receive nothing but the farewell, then closes it; a
 * credential check of the agent already under way is refused when it comes
 * back (it started before the caller invalidated the credentials).
 */
export class AgentSessions {
  /** @param mute makes the broker read nothing more from a connection (the broker guard's `mute`). */
  constructor(private readonly mute: (client: Client) => void) {}

  private readonly byAgent = new Map<string, Set<Client>>();
  private readonly ended = new WeakSet<Client>();
  private readonly farewellTopics = new WeakMap<Client, string>();
  /** How many times each agent's sessions were ended; a credential check compares it before and after. */
  private readonly endings = new Map<string, number>();

  /** Taken when a credential check of `agentId` starts, for {@link endedSince}. */
  generation(agentId: string): number {
    return this.endings.get(agentId) ?? 0;
  }

  /** True when the agent's sessions were ended since `generation` was taken: its check must not admit it. */
  endedSince(agentId: string, generation: number): boolean {
    return this.generation(agentId) !== generation;
  }

  /** Records an authenticated connection of the agent, until it closes. */
  add(agentId: string, client: Client): void {
    let clients = this.byAgent.get(agentId);
    if (!clients) {
      clients = new Set();
      this.byAgent.set(agentId, clients);
    }
    clients.add(client);
    client.conn.once('close', () => {
      clients.delete(client);
      if (clients.size === 0 && this.byAgent.get(agentId) === clients) this.byAgent.delete(agentId);
    });
  }

  /** True for a connection whose session was ended: it may neither publish nor subscribe. */
  isEnded(client: Client): boolean {
    return this.ended.has(client);
  }

  /** Whether a message on `topic` may still be delivered to the connection: always, unless its session was ended. */
  mayReceive(client: Client, topic: string): boolean {
    return !this.ended.has(client) || this.farewellTopics.get(client) === topic;
  }

  /** Ends every session of the agent (see the class); returns how many connections it had. */
  end(agentId: string, farewell?: Farewell): number {
    this.endings.set(agentId, this.generation(agentId) + 1);
    const clients = [...(this.byAgent.get(agentId) ?? [])];
    this.byAgent.delete(agentId);
    for (const client of clients) {
      this.ended.add(client);
      this.mute(client);
      if (!farewell) {
        closeAfterFlush(client);
        continue;
      }
      this.farewellTopics.set(client, farewell.topic);
      const payload = typeof farewell.payload === 'string' ? Buffer.from(farewell.payload) : farewell.payload;
      client.publish(
        { cmd: 'publish', topic: farewell.topic, payload, qos: 0, retain: false, dup: false },
        () => closeAfterFlush(client),
      );
    }
    return clients.length;
  }
}

/** Sends what was written, then closes; a peer that does not take it in time is cut anyway. */
function closeAfterFlush(client: Client): void {
  const close = () => client.close();
  client.conn.once('finish', close);
  setTimeout(close, FLUSH_GRACE_MS).unref();
  client.conn.end();
}
