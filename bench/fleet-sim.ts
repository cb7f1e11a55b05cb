/**
 * B5's simulator process: many lightweight agents, one mqtt.js client each,
 * speaking the real protocol (protocol/messages.ts): a persistent session
 * with an offline will, desired/ack/cmd subscribed, hello and a retained
 * online status on connect, and a `reported` for every `desired`. Flows are
 * acknowledged, not parsed or run. Driven by its parent over IPC.
 */
import type { Socket } from 'node:net';
import mqtt, { type MqttClient } from 'mqtt';
import {
  type AppliedFlow,
  appliedStateHash,
  type Desired,
  type Hello,
  type Reported,
  type Status,
} from '../protocol/messages.js';
import { agentTopic } from '../protocol/topics.js';

/** One simulated agent's credentials. */
export interface SimAgent {
  id: string;
  token: string;
}

/** Parent → simulator: connect these agents, or start no new connection from now on. */
export type SimCommand =
  | { type: 'connect'; url: string; agents: SimAgent[]; concurrency: number }
  | { type: 'stop' };

/** Simulator → parent, every {@link PROGRESS_MS} and when asked. */
export interface SimProgress {
  type: 'progress';
  /** Sessions up (CONNACK and SUBACK received). */
  connected: number;
  /** Sessions that never came up. */
  failed: number;
  /** Sessions that came up and dropped. */
  lost: number;
  /** Agents that reported each revision of the bench flow (QoS 1 acknowledged by the broker). */
  reportedRevision: Record<number, number>;
  rssBytes: number;
}

const PROGRESS_MS = 100;
const PLUGIN_TYPES = ['log', 'output', 'if', 'foreach', 'http.request', 'schedule', 'mqtt'];

const counters = { connected: 0, failed: 0, lost: 0 };
/** The bench flow's revision each agent last reported. */
const reportedRevision = new Map<string, number>();
const clients: MqttClient[] = [];
let stopped = false;

function progress(): SimProgress {
  const byRevision: Record<number, number> = {};
  for (const revision of reportedRevision.values()) byRevision[revision] = (byRevision[revision] ?? 0) + 1;
  return {
    type: 'progress',
    ...counters,
    reportedRevision: byRevision,
    rssBytes: process.memoryUsage.rss(),
  };
}

/** Connects every agent, `concurrency` handshakes at a time. */
async function connectAll(url: string, agents: SimAgent[], concurrency: number): Promise<void> {
  let next = 0;
  const worker = async () => {
    while (!stopped && next < agents.length) await connectOne(url, agents[next++]!);
  };
  await Promise.all(Array.from({ length: concurrency }, worker));
}

/** Resolves once the session is up or has failed; the agent lives on until the process ends. */
function connectOne(url: string, agent: SimAgent): Promise<void> {
  const topic = (kind: Parameters<typeof agentTopic>[1]) => agentTopic(agent.id, kind);
  const will: Status = { state: 'offline', since: new Date().toISOString() };
  const client = mqtt.connect(url, {
    clientId: agent.id,
    username: agent.id,
    password: agent.token,
    clean: false,
    protocolVersion: 4,
    keepalive: 60,
    connectTimeout: 60_000,
    reconnectPeriod: 0,
    will: { topic: topic('status'), payload: Buffer.from(JSON.stringify(will)), qos: 1, retain: true },
  });
  clients.push(client);
  client.on('message', (_topic, payload) => {
    if (_topic !== topic('desired') || payload.length === 0) return;
    const desired = JSON.parse(payload.toString('utf8')) as Desired;
    const applied: AppliedFlow[] = desired.flows.map(({ namespace, id, revision, hash }) => ({
      namespace,
      id,
      revision,
      hash,
    }));
    const reported: Reported = {
      generation: desired.generation,
      hash: appliedStateHash(applied),
      applied,
      refused: [],
    };
    const revision = Math.max(0, ...applied.map((f) => f.revision));
    client.publish(topic('reported'), JSON.stringify(reported), { qos: 1 }, (err) => {
      if (!err) reportedRevision.set(agent.id, revision);
    });
  });
  return new Promise((resolve) => {
    let settled = false;
    let up = false;
    const settle = () => {
      if (settled) return;
      settled = true;
      if (up) counters.connected++;
      else counters.failed++;
      resolve();
    };
    client.once('connect', () => {
      (client.stream as Partial<Socket>).setNoDelay?.(true);
      const subscriptions = {
        [topic('desired')]: { qos: 1 as const },
        [topic('ack')]: { qos: 1 as const },
        [topic('cmd')]: { qos: 1 as const },
      };
      client.subscribe(subscriptions, (err) => {
        if (err) return settle();
        const now = new Date().toISOString();
        const hello: Hello = {
          agentId: agent.id,
          version: 'fleet-sim',
          pluginTypes: PLUGIN_TYPES,
          labels: {},
          appliedHash: appliedStateHash([]),
          generation: 0,
          outbox: { highSeq: 0, ackedSeq: 0, depth: 0 },
          startedAt: now,
        };
        const status: Status = { state: 'online', since: now };
        client.publish(topic('hello'), JSON.stringify(hello), { qos: 1 });
        client.publish(topic('status'), JSON.stringify(status), { qos: 1, retain: true });
        up = true;
        settle();
      });
    });
    client.on('error', () => settle());
    client.on('close', () => {
      if (up) {
        up = false;
        counters.connected--;
        counters.lost++;
      }
      settle();
    });
  });
}

process.on('message', (command: SimCommand) => {
  if (command.type === 'stop') stopped = true;
  else
    void connectAll(command.url, command.agents, command.concurrency).then(() => process.send?.(progress()));
});
setInterval(() => process.send?.(progress()), PROGRESS_MS);
process.on('disconnect', () => process.exit(0));
