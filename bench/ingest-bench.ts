/**
 * B4: agent records stored from the sync stream into PostgreSQL, records/s.
 * Two figures: the ingest call alone (hub/fleet/ingest.ts on the storage's
 * sync repository), and end to end over MQTT (agents publish events batches
 * to the embedded broker, the hub validates, stores and acks them).
 */
import mqtt, { type MqttClient } from 'mqtt';
import { Registry } from 'prom-client';
import { ingestBatch } from '../hub/fleet/ingest.js';
import { FleetMetrics } from '../hub/fleet/metrics.js';
import { openHubStorage } from '../hub/store/hub-storage.js';
import { silentLogger } from '../protocol/logger.js';
import type { EventRecord } from '../protocol/messages.js';
import { agentTopic } from '../protocol/topics.js';
import { api, hubPlace, registerAgent, startBenchHub } from './bench-hub.js';
import { freshDatabase } from './pg.js';
import { agentRecords, BENCH_FLOW, batches } from './records.js';

export interface IngestShape {
  /** Agents sending side by side (the hub runs one lane per agent). */
  agents: number;
  /** Records each agent sends. */
  recordsPerAgent: number;
  /** Records per events batch: the agent's default `batchMaxRecords`. */
  batchSize: number;
  /** Unacknowledged batches per agent (end to end only): the agent's default `maxInFlight`. */
  inFlight: number;
}

export const DEFAULT_INGEST: IngestShape = {
  agents: 8,
  recordsPerAgent: 20_000,
  batchSize: 500,
  inFlight: 4,
};

/** Records/s, and the CPU time this process spent per record (hub side; PostgreSQL's is not counted). */
export interface IngestFigures {
  recordsPerSecond: number;
  cpuMicrosPerRecord: number;
}

/** Records/s through `ingestBatch` on a fresh PostgreSQL database, every agent's batches in order. */
export async function ingestStorageOnly(serverUrl: string, shape = DEFAULT_INGEST): Promise<IngestFigures> {
  const database = await freshDatabase(serverUrl);
  const storage = await openHubStorage({ url: database.url });
  try {
    const options = { sync: storage.sync, metrics: new FleetMetrics(new Registry()), logger: silentLogger };
    // The records are executions of `bench.bench`, a flow assigned to each agent (as the fleet notes it).
    const assignedFlows = [`${BENCH_FLOW.namespace}/${BENCH_FLOW.id}`];
    const work = Array.from({ length: shape.agents }, (_, i) => {
      const agentId = `b4-${i}`;
      return { agentId, batches: batches(agentRecords(agentId, shape.recordsPerAgent), shape.batchSize) };
    });
    for (const { agentId } of work) {
      await storage.agents.register(agentId, {});
      await storage.agents.updateStatus(agentId, { status: { assignedFlows } });
    }
    let acked = 0;
    const clock = startClock();
    await Promise.all(
      work.map(async ({ agentId, batches }) => {
        let after = 0;
        for (const records of batches) {
          await ingestBatch({ ...options, ack: async () => {} }, agentId, { after, records });
          after = records.at(-1)!.seq;
          acked += records.length;
        }
      }),
    );
    return clock.figures(acked);
  } finally {
    await storage.close();
    await database.drop();
  }
}

/** Records/s from the first events batch published to the last ack, through a real hub on a fresh database. */
export async function ingestOverMqtt(serverUrl: string, shape = DEFAULT_INGEST): Promise<IngestFigures> {
  const place = await hubPlace(serverUrl, 'b4');
  const hub = await startBenchHub(place);
  const clients: MqttClient[] = [];
  try {
    // Assigned to every agent: the hub stores only records of flows assigned to their agent.
    await api(hub, 'POST', '/flows', { yaml: BENCH_FLOW.yaml });
    const senders: Sender[] = [];
    for (let i = 0; i < shape.agents; i++) {
      const agentId = `b4-${i}`;
      const client = await mqtt.connectAsync(`mqtt://127.0.0.1:${hub.mqttPort}`, {
        clientId: agentId,
        username: agentId,
        password: await registerAgent(hub, agentId),
        protocolVersion: 4,
        reconnectPeriod: 0,
      });
      clients.push(client);
      await client.subscribeAsync(agentTopic(agentId, 'ack'), { qos: 1 });
      const payloads = batches(agentRecords(agentId, shape.recordsPerAgent), shape.batchSize).map(
        (b, n, all) => encode(b, n === 0 ? 0 : all[n - 1]!.at(-1)!.seq),
      );
      senders.push(new Sender(client, agentId, payloads, shape.inFlight));
    }
    const clock = startClock();
    await Promise.all(senders.map((s) => s.run()));
    return clock.figures(senders.reduce((n, s) => n + s.records, 0));
  } finally {
    await Promise.all(clients.map((c) => c.endAsync(true)));
    await hub.close();
    await place.remove();
  }
}

function startClock(): { figures(records: number): IngestFigures } {
  const start = performance.now();
  const cpu = process.cpuUsage();
  return {
    figures(records) {
      const seconds = (performance.now() - start) / 1000;
      const used = process.cpuUsage(cpu);
      return { recordsPerSecond: records / seconds, cpuMicrosPerRecord: (used.user + used.system) / records };
    },
  };
}

interface Payload {
  text: string;
  lastSeq: number;
  count: number;
}

function encode(records: EventRecord[], after: number): Payload {
  return {
    text: JSON.stringify({ after, records }),
    lastSeq: records.at(-1)!.seq,
    count: records.length,
  };
}

/** One agent's drain, reduced to its pacing: at most `inFlight` batches unacknowledged, more on each ack. */
class Sender {
  /** Records acknowledged so far. */
  records = 0;
  private next = 0;
  private readonly inFlight: Payload[] = [];
  private done: (() => void) | undefined;
  private readonly topic: string;

  constructor(
    private readonly client: MqttClient,
    agentId: string,
    private readonly payloads: Payload[],
    private readonly window: number,
  ) {
    this.topic = agentTopic(agentId, 'events');
    client.on('message', (_topic, payload) =>
      this.acked((JSON.parse(payload.toString()) as { seq: number }).seq),
    );
  }

  run(): Promise<void> {
    return new Promise((resolve) => {
      this.done = resolve;
      this.pump();
    });
  }

  private acked(seq: number): void {
    while (this.inFlight.length > 0 && this.inFlight[0]!.lastSeq <= seq)
      this.records += this.inFlight.shift()!.count;
    if (this.next >= this.payloads.length && this.inFlight.length === 0) this.done?.();
    else this.pump();
  }

  private pump(): void {
    while (this.inFlight.length < this.window && this.next < this.payloads.length) {
      const p = this.payloads[this.next++]!;
      this.inFlight.push(p);
      this.client.publish(this.topic, p.text, { qos: 1 });
    }
  }
}
