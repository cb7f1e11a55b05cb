/** MQTT topics of the hub ↔ agent contract (docs/protocol.md): builders, parsers and who publishes each. */
import { TernError } from './errors.js';
import { isValidId } from './ids.js';

/** Every agent topic starts with this, followed by the agent id and a slash. */
export const AGENTS_TOPIC_ROOT = 'tern/v1/agents/';

/** Default prefix under which any authenticated agent may exchange shared data. */
export const SHARED_DATA_PREFIX = 'tern/v1/data/';

/** The last level of an agent topic, in the order of docs/protocol.md's table. */
export const AGENT_TOPIC_KINDS = ['hello', 'status', 'desired', 'reported', 'events', 'ack', 'cmd'] as const;
export type AgentTopicKind = (typeof AGENT_TOPIC_KINDS)[number];

/** Who publishes on a topic: the agent (the hub listens) or the hub (the agent listens). */
export type TopicDirection = 'agent-to-hub' | 'hub-to-agent';

/**
 * The publisher of each kind of agent topic: the one source for the hub's
 * subscriptions, the agent's, the embedded broker's access rules and
 * deploy/mosquitto/tern.acl.
 */
export const AGENT_TOPIC_DIRECTIONS = {
  hello: 'agent-to-hub',
  status: 'agent-to-hub',
  desired: 'hub-to-agent',
  reported: 'agent-to-hub',
  events: 'agent-to-hub',
  ack: 'hub-to-agent',
  cmd: 'hub-to-agent',
} as const satisfies Readonly<Record<AgentTopicKind, TopicDirection>>;

/** The kinds of agent topic published in one direction. */
export type AgentTopicKindOf<D extends TopicDirection> = {
  [K in AgentTopicKind]: (typeof AGENT_TOPIC_DIRECTIONS)[K] extends D ? K : never;
}[AgentTopicKind];

/** The topics an agent publishes and the hub listens on. */
export type AgentToHubKind = AgentTopicKindOf<'agent-to-hub'>;
/** The topics the hub publishes and an agent listens on. */
export type HubToAgentKind = AgentTopicKindOf<'hub-to-agent'>;

const kindsOf = <D extends TopicDirection>(direction: D) =>
  AGENT_TOPIC_KINDS.filter((k): k is AgentTopicKindOf<D> => AGENT_TOPIC_DIRECTIONS[k] === direction);

/** The agent-to-hub kinds, in the order of {@link AGENT_TOPIC_KINDS}. */
export const AGENT_TO_HUB_KINDS: readonly AgentToHubKind[] = kindsOf('agent-to-hub');
/** The hub-to-agent kinds, in the order of {@link AGENT_TOPIC_KINDS}. */
export const HUB_TO_AGENT_KINDS: readonly HubToAgentKind[] = kindsOf('hub-to-agent');

const KIND_SET: ReadonlySet<string> = new Set(AGENT_TOPIC_KINDS);

/**
 * True for an id usable as an agent id and as one topic level: a valid id
 * (protocol/ids.ts), which by construction holds none of MQTT's `+ # /`.
 */
export function isValidAgentId(agentId: string): boolean {
  return isValidId(agentId) && !/[+#/]/.test(agentId);
}

/** True when `kind` names one of the agent topics. */
export function isAgentTopicKind(kind: string): kind is AgentTopicKind {
  return KIND_SET.has(kind);
}

/**
 * The prefix, ending in a slash, of every topic that belongs to one agent.
 *
 * @example agentTopicPrefix('gw-01') // 'tern/v1/agents/gw-01/'
 */
export function agentTopicPrefix(agentId: string): string {
  assertAgentId(agentId);
  return `${AGENTS_TOPIC_ROOT}${agentId}/`;
}

/**
 * The topic of one kind for one agent.
 *
 * @example agentTopic('gw-01', 'events') // 'tern/v1/agents/gw-01/events'
 */
export function agentTopic(agentId: string, kind: AgentTopicKind): string {
  return `${agentTopicPrefix(agentId)}${kind}`;
}

/**
 * A subscription filter that matches one kind of topic for every agent, for
 * the hub's own listeners.
 *
 * @example allAgentsTopicFilter('hello') // 'tern/v1/agents/+/hello'
 */
export function allAgentsTopicFilter(kind: AgentTopicKind): string {
  return `${AGENTS_TOPIC_ROOT}+/${kind}`;
}

/**
 * Splits an agent topic into its agent id and kind; undefined for any other
 * topic, including one with extra levels or an unknown kind.
 *
 * @example parseAgentTopic('tern/v1/agents/gw-01/ack') // { agentId: 'gw-01', kind: 'ack' }
 */
export function parseAgentTopic(topic: string): { agentId: string; kind: AgentTopicKind } | undefined {
  if (!topic.startsWith(AGENTS_TOPIC_ROOT)) return undefined;
  const rest = topic.slice(AGENTS_TOPIC_ROOT.length);
  const slash = rest.indexOf('/');
  if (slash <= 0) return undefined;
  const agentId = rest.slice(0, slash);
  const kind = rest.slice(slash + 1);
  if (!isValidAgentId(agentId) || !isAgentTopicKind(kind)) return undefined;
  return { agentId, kind };
}

function assertAgentId(agentId: string): void {
  if (!isValidAgentId(agentId)) {
    throw new TernError(
      'BAD_REQUEST',
      `'${agentId}' is not a valid agent id (letters, digits, '.', '_' and '-', starting with a letter or digit)`,
    );
  }
}
