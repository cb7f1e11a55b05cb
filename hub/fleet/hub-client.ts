/** The hub's privileged MQTT client: listens on every agent's hello, status, reported and events, validates, and publishes to agents. */
import type { Socket } from 'node:net';
import mqtt, { type MqttClient } from 'mqtt';
import type { Logger } from '../../protocol/logger.js';
import { type Messages, parseMessage } from '../../protocol/messages.js';
import { leanMqttPackets } from '../../protocol/mqtt-packets.js';
import {
  AGENT_TO_HUB_KINDS,
  type AgentToHubKind,
  type AgentTopicKind,
  agentTopic,
  allAgentsTopicFilter,
  type HubToAgentKind,
  parseAgentTopic,
} from '../../protocol/topics.js';
import type { FleetMetrics } from './metrics.js';

/** The topics the hub listens on: every agent-to-hub topic. */
export const HUB_LISTENS = AGENT_TO_HUB_KINDS;
export type HubInbound = AgentToHubKind;
export type HubOutbound = HubToAgentKind;

/** Receives each valid message with the agent it came from (the topic's, which the broker vouches for). */
export type InboundHandler = <K extends HubInbound>(
  agentId: string,
  kind: K,
  message: Messages[K],
  retained: boolean,
) => void;

export interface HubClientOptions {
  /** mqtt:// (or mqtts://, ws://) URL of the broker; credentials may be in it. */
  url: string;
  username?: string;
  password?: string;
  logger: Logger;
  metrics: FleetMetrics;
  onMessage: InboundHandler;
  /**
   * Subscribes as one member of this MQTT 5 shared-subscription group (`$share/<group>/…`):
   * the broker hands each agent message to one hub replica of the group. Unset: every message
   * comes here (one hub, or the embedded broker, which speaks MQTT 3.1.1 only).
   */
  shareGroup?: string;
}

/**
 * One MQTT session for the whole hub. A payload that fails validation is
 * logged and counted, never thrown: one broken agent cannot stop the others.
 * mqtt.js reconnects by itself and subscribes again; retained `status`
 * messages then bring every agent's state back.
 *
 * @example
 * const client = await HubClient.connect({ url, ...broker.hubCredentials, logger, metrics, onMessage });
 * await client.publish('gw-01', 'ack', { seq: 42 });
 */
export class HubClient {
  private readonly log: Logger;

  private constructor(
    private readonly client: MqttClient,
    private readonly options: HubClientOptions,
  ) {
    this.log = options.logger;
    noDelay(client);
    // mqtt.js opens a new socket on each reconnect.
    client.on('connect', () => noDelay(client));
    client.on('message', (topic, payload, packet) => this.receive(topic, payload, packet.retain));
    client.on('error', (err) => this.log.warn({ err: err.message }, 'MQTT client error'));
    client.on('reconnect', () => this.log.info({ url: loggable(options.url) }, 'reconnecting to the broker'));
  }

  static async connect(options: HubClientOptions): Promise<HubClient> {
    leanMqttPackets();
    const client = await mqtt
      .connectAsync(options.url, {
        username: options.username,
        password: options.password,
        // Unique per start: two hub processes must not take each other's session.
        clientId: `tern-hub-${Math.random().toString(36).slice(2, 10)}`,
        protocolVersion: options.shareGroup === undefined ? 4 : 5,
        reconnectPeriod: 1000,
      })
      .catch((err: Error) => {
        // mqtt.js has ended the client: a hub that cannot reach its broker at start stops, and says where.
        throw new Error(`cannot connect to the MQTT broker at ${loggable(options.url)}: ${err.message}`);
      });
    const hub = new HubClient(client, options);
    const share = options.shareGroup === undefined ? '' : `$share/${options.shareGroup}/`;
    const granted = await client.subscribeAsync(
      HUB_LISTENS.map((k) => share + allAgentsTopicFilter(k)),
      { qos: 1 },
    );
    // A broker without shared subscriptions refuses them (0x9E): every replica would then get every message.
    const refused = granted.filter((g) => g.qos > 2);
    if (refused.length > 0) {
      await client.endAsync(true);
      throw new Error(
        `the MQTT broker at ${loggable(options.url)} refused the subscription ${refused[0]!.topic} (reason ${refused[0]!.qos}): it must support MQTT 5 shared subscriptions`,
      );
    }
    options.logger.info({ url: loggable(options.url) }, 'connected to the broker');
    return hub;
  }

  get connected(): boolean {
    return this.client.connected;
  }

  /** Publishes at QoS 1; resolves once the broker has it. */
  async publish(
    agentId: string,
    kind: HubOutbound,
    message: Messages[HubOutbound],
    retain = false,
  ): Promise<void> {
    await this.client.publishAsync(agentTopic(agentId, kind), JSON.stringify(message), { qos: 1, retain });
  }

  /** Publishes bytes as they are (a signed document) at QoS 1; resolves once the broker has them. */
  async publishBytes(agentId: string, kind: HubOutbound, payload: Buffer, retain = false): Promise<void> {
    await this.client.publishAsync(agentTopic(agentId, kind), payload, { qos: 1, retain });
  }

  async close(): Promise<void> {
    await this.client.endAsync();
  }

  private receive(topic: string, payload: Buffer, retained: boolean): void {
    const target = parseAgentTopic(topic);
    if (!target || !isInbound(target.kind)) return;
    // An empty retained payload only clears a topic; it carries no state.
    if (payload.length === 0) return;
    const parsed = parseMessage(target.kind, payload);
    if (!parsed.ok) {
      this.options.metrics.invalidMessage(target.kind);
      this.log.warn(
        { agentId: target.agentId, kind: target.kind, err: parsed.error },
        'invalid message ignored',
      );
      return;
    }
    try {
      this.options.onMessage(target.agentId, target.kind, parsed.value, retained);
    } catch (err) {
      this.log.error(
        { agentId: target.agentId, kind: target.kind, err: String(err) },
        'message handler failed',
      );
    }
  }
}

/** The broker URL fit for a log: `--broker` may carry the hub's password. */
export function loggable(url: string): string {
  try {
    const parsed = new URL(url);
    if (parsed.password) parsed.password = '***';
    return parsed.toString();
  } catch {
    return '(unparsable broker URL)';
  }
}

/**
 * Nagle off: an ack is a small write that follows the PUBACK of the batch it
 * acknowledges; with Nagle on it waits for that PUBACK's TCP ACK, which a
 * delayed-ACK peer holds for up to 40 ms, and the agent's drain with it.
 */
function noDelay(client: MqttClient): void {
  (client.stream as Partial<Socket> | undefined)?.setNoDelay?.(true);
}

function isInbound(kind: AgentTopicKind): kind is HubInbound {
  return (HUB_LISTENS as readonly string[]).includes(kind);
}
