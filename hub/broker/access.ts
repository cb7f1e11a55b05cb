/**
 * Who may publish and subscribe where on the embedded broker: the hub
 * anywhere; an agent publishes only its own agent-to-hub topics and reads its
 * own topics (deploy/mosquitto/tern.acl says the same to Mosquitto).
 */
import {
  AGENT_TO_HUB_KINDS,
  AGENT_TOPIC_DIRECTIONS,
  AGENTS_TOPIC_ROOT,
  agentTopic,
  agentTopicPrefix,
  isAgentTopicKind,
} from '../../protocol/topics.js';

/** An authenticated broker client: the hub's privileged client, or one agent. */
export type BrokerIdentity = { kind: 'hub' } | { kind: 'agent'; agentId: string };

/** Decides topic access for authenticated clients; built once per broker. */
export interface AccessPolicy {
  mayPublish(identity: BrokerIdentity, topic: string): boolean;
  maySubscribe(identity: BrokerIdentity, filter: string): boolean;
}

/**
 * Checks and normalises the shared-data prefix: no wildcards, ends with a
 * slash, and disjoint from the agents' topics (a prefix such as `tern/v1/`
 * would hand every agent every other agent's topics).
 *
 * @example normaliseSharedPrefix('tern/v1/data') // 'tern/v1/data/'
 */
export function normaliseSharedPrefix(prefix: string): string {
  const withSlash = prefix.endsWith('/') ? prefix : `${prefix}/`;
  if (withSlash === '/' || /[+#]/.test(withSlash) || withSlash.startsWith('$')) {
    throw new Error(`shared topic prefix '${prefix}' must be a plain topic path without wildcards`);
  }
  if (withSlash.startsWith(AGENTS_TOPIC_ROOT) || AGENTS_TOPIC_ROOT.startsWith(withSlash)) {
    throw new Error(
      `shared topic prefix '${prefix}' overlaps the agents' topics under '${AGENTS_TOPIC_ROOT}'`,
    );
  }
  return withSlash;
}

/** Builds the policy; `sharedPrefix` must come from {@link normaliseSharedPrefix}. */
export function createAccessPolicy(sharedPrefix: string): AccessPolicy {
  const shared = prefixLevels(sharedPrefix);
  return {
    mayPublish(identity, topic) {
      if (identity.kind === 'hub') return true;
      return isAgentToHub(topic, agentTopicPrefix(identity.agentId)) || topicUnder(topic, sharedPrefix);
    },
    maySubscribe(identity, filter) {
      if (identity.kind === 'hub') return true;
      const levels = filter.split('/');
      return (
        filterUnder(levels, prefixLevels(agentTopicPrefix(identity.agentId))) || filterUnder(levels, shared)
      );
    },
  };
}

/** What an agent may use, as MQTT topic filters: for a broker that takes lists (Mosquitto's dynamic security). */
export interface AgentGrants {
  /** Topics (filters) it may publish to. */
  publish: string[];
  /** Filters it may subscribe with: any filter these cover. */
  subscribe: string[];
}

/**
 * The rules of {@link createAccessPolicy} for one agent, as filters: its own agent-to-hub topics and the
 * shared prefix to publish; anything under its own prefix and the shared one to subscribe.
 *
 * @example agentGrants('gw-01', 'tern/v1/data/').publish // ['tern/v1/agents/gw-01/hello', …, 'tern/v1/data/#']
 */
export function agentGrants(agentId: string, sharedPrefix: string): AgentGrants {
  return {
    publish: [...AGENT_TO_HUB_KINDS.map((kind) => agentTopic(agentId, kind)), `${sharedPrefix}#`],
    subscribe: [`${agentTopicPrefix(agentId)}#`, `${sharedPrefix}#`],
  };
}

/**
 * What the hub may use: every agent's topics and the shared prefix, subscribed to directly or as a member
 * of a shared-subscription group (hub replicas; Mosquitto's dynamic security checks `$share/<group>/…` as
 * written).
 */
export function hubGrants(sharedPrefix: string): AgentGrants {
  const all = [`${AGENTS_TOPIC_ROOT}#`, `${sharedPrefix}#`];
  return { publish: all, subscribe: [...all, ...all.map((filter) => `$share/+/${filter}`)] };
}

/** What the Kafka bridge's own login may use: the shared prefix, directly or in a shared-subscription group. */
export function bridgeGrants(sharedPrefix: string): AgentGrants {
  return { publish: [`${sharedPrefix}#`], subscribe: [`${sharedPrefix}#`, `$share/+/${sharedPrefix}#`] };
}

/**
 * True when an agent may connect with this MQTT client id: its own id, or its
 * id followed by `:` and a suffix. Anything else could take over another
 * client's session, since a broker drops the older of two same-id clients.
 */
export function clientIdBelongsTo(agentId: string, clientId: string): boolean {
  return clientId === agentId || clientId.startsWith(`${agentId}:`);
}

/**
 * One of the agent's own topics that the hub listens on. The hub's topics
 * (`desired`, `ack`, `cmd`) are the hub's alone, even the agent's own: a
 * leaked agent token must not let anyone command the agent, rewrite its
 * retained desired flows, or acknowledge records the hub never stored.
 */
function isAgentToHub(topic: string, ownPrefix: string): boolean {
  if (!topicUnder(topic, ownPrefix)) return false;
  const kind = topic.slice(ownPrefix.length);
  return isAgentTopicKind(kind) && AGENT_TOPIC_DIRECTIONS[kind] === 'agent-to-hub';
}

/** A topic strictly below a prefix that ends with a slash. */
function topicUnder(topic: string, prefix: string): boolean {
  return topic.length > prefix.length && topic.startsWith(prefix);
}

/** The literal levels of a prefix, without the empty level its trailing slash makes. */
function prefixLevels(prefix: string): string[] {
  return prefix.slice(0, -1).split('/');
}

/**
 * A filter matches only topics below the prefix when it repeats every prefix
 * level literally (a `+` or `#` there could match someone else's topics) and
 * has at least one level more.
 */
function filterUnder(filterLevels: readonly string[], prefix: readonly string[]): boolean {
  if (filterLevels.length <= prefix.length) return false;
  return prefix.every((level, i) => filterLevels[i] === level);
}
