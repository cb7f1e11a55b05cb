/** Logins and topic access of agents on an external broker (EMQX, VerneMQ), decided from the hub's database. */
import { isValidAgentId } from '../../protocol/topics.js';
import { type AccessPolicy, clientIdBelongsTo } from './access.js';

/**
 * What the hub answers a broker: `allow`, `deny`, or `ignore` for a login
 * that is not an agent's (the hub's own, an operator's), which the broker
 * then checks by its other means.
 */
export type BrokerVerdict = 'allow' | 'deny' | 'ignore';

/** What the decisions read from the hub's agents. */
export interface AgentLogins {
  get(id: string): Promise<{ decommissioned: boolean } | undefined>;
  verifyCredentials(id: string, token: string): Promise<boolean>;
}

/**
 * Decides for an external broker what the embedded one decides itself: an
 * agent logs in with its id and live token under a client id of its own, and
 * uses the topics {@link AccessPolicy} gives it. Every call reads the
 * database, so a decommissioned agent is refused from the next call on.
 */
export class ExternalBrokerAuth {
  constructor(
    private readonly agents: AgentLogins,
    private readonly policy: AccessPolicy,
  ) {}

  /** A CONNECT: username, password and client id as the client sent them. */
  async authenticate(username: string, password: string, clientId: string): Promise<BrokerVerdict> {
    const known = await this.agent(username);
    if (known === undefined) return 'ignore';
    if (known.decommissioned || !clientIdBelongsTo(username, clientId)) return 'deny';
    return (await this.agents.verifyCredentials(username, password)) ? 'allow' : 'deny';
  }

  /** A PUBLISH to `topic`, or a SUBSCRIBE to the filter `topic`, by a logged-in client. */
  async authorize(username: string, action: 'publish' | 'subscribe', topic: string): Promise<BrokerVerdict> {
    const known = await this.agent(username);
    if (known === undefined) return 'ignore';
    if (known.decommissioned) return 'deny';
    const identity = { kind: 'agent', agentId: username } as const;
    const allowed =
      action === 'publish'
        ? this.policy.mayPublish(identity, topic)
        : this.policy.maySubscribe(identity, topic);
    return allowed ? 'allow' : 'deny';
  }

  /** The agent this username names, decommissioned ones included; undefined for any other login. */
  private async agent(username: string): Promise<{ decommissioned: boolean } | undefined> {
    if (!isValidAgentId(username)) return undefined;
    return this.agents.get(username);
  }
}
