/**
 * B1 end to end, Tern beside Node-RED on the same broker (Mosquitto): a sensor
 * reading published on `bench/sensor/…` → a flow that checks `value > 50` →
 * an alert published on `bench/alert/<id>`, received back by the publisher.
 * Each system runs as a child process; the publisher measures latency at a
 * fixed rate, then raises the rate until a message is lost.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import type { Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import mqtt, { type MqttClient } from 'mqtt';
import { percentile } from './stats.js';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
/** Where `npm install --prefix` puts Node-RED (gitignored). */
export const NODE_RED_DIR = join(ROOT, 'bench', '.peers', 'node-red');
const NODE_RED_MAIN = join(NODE_RED_DIR, 'node_modules', 'node-red', 'red.js');

/** The rates tried, in messages/s, after the fixed-rate phase, until one loses a message. */
const STEPS = [1000, 2000, 4000, 8000, 16000];
/** How long an alert may take to arrive after the last message of a phase before it counts as lost. */
const DRAIN_MS = 5000;

/** One system's figures. */
export interface SensorAlertResult {
  p50: number;
  p99: number;
  /** Highest rate of STEPS (or the fixed rate) with every alert received; 0 when even that lost some. */
  maxRate: number;
  /** p99 at `maxRate`, ms. */
  p99AtMax: number;
  /** Messages lost at the fixed rate. */
  lost: number;
  /** The first rate that lost messages, and how many (of rate × 3 s); undefined when none did. */
  failed?: { rate: number; lost: number };
}

/** A system under test, started as a child process on the broker at `url`. */
interface Peer {
  name: string;
  start(url: string, dir: string): ChildProcess;
}

/** The B1 flow: a reading above 50 on `bench/sensor/…` → an alert on `bench/alert/<id>`. */
export const ternFlow = (server: string) => `
id: sensor-alert
namespace: bench
triggers:
  - id: sensor
    type: mqtt
    server: ${server}
    topic: bench/sensor/#
tasks:
  - id: check
    type: if
    condition: "{{ trigger.payload.value > 50 }}"
    then:
      - id: alert
        type: mqtt.publish
        server: ${server}
        topic: "bench/alert/{{ trigger.payload.id }}"
        from: "{{ trigger.payload.id }}"
`;

/** A standalone Tern agent (dist/cli/main.js) with the flow above. */
export const TERN: Peer = {
  name: 'Tern',
  start(url, dir) {
    mkdirSync(join(dir, 'flows'));
    writeFileSync(join(dir, 'flows', 'sensor-alert.yml'), ternFlow(url));
    const main = join(ROOT, 'dist', 'cli', 'main.js');
    return spawn(
      process.execPath,
      [main, 'agent', '--flows', join(dir, 'flows'), '--data-dir', join(dir, 'data')],
      { stdio: ['ignore', 'ignore', 'inherit'], env: { ...process.env, TERN_LOG_LEVEL: 'warn' } },
    );
  },
};

/** mqtt in → switch (payload.value > 50) → change (topic, payload) → mqtt out, QoS 1 as Tern's. */
function nodeRedFlows(url: URL): unknown[] {
  return [
    { id: 'b1-tab', type: 'tab', label: 'bench' },
    {
      id: 'b1-broker',
      type: 'mqtt-broker',
      name: 'mosquitto',
      broker: url.hostname,
      port: url.port || '1883',
      clientid: '',
      autoConnect: true,
      usetls: false,
      protocolVersion: '4',
      keepalive: '60',
      cleansession: true,
    },
    {
      id: 'b1-in',
      type: 'mqtt in',
      z: 'b1-tab',
      topic: 'bench/sensor/#',
      qos: '1',
      datatype: 'json',
      broker: 'b1-broker',
      nl: false,
      rap: true,
      rh: 0,
      inputs: 0,
      wires: [['b1-switch']],
    },
    {
      id: 'b1-switch',
      type: 'switch',
      z: 'b1-tab',
      property: 'payload.value',
      propertyType: 'msg',
      rules: [{ t: 'gt', v: '50', vt: 'num' }],
      checkall: 'true',
      repair: false,
      outputs: 1,
      wires: [['b1-change']],
    },
    {
      id: 'b1-change',
      type: 'change',
      z: 'b1-tab',
      rules: [
        { t: 'set', p: 'topic', pt: 'msg', to: "'bench/alert/' & payload.id", tot: 'jsonata' },
        { t: 'set', p: 'payload', pt: 'msg', to: 'payload.id', tot: 'msg' },
      ],
      wires: [['b1-out']],
    },
    {
      id: 'b1-out',
      type: 'mqtt out',
      z: 'b1-tab',
      topic: '',
      qos: '1',
      retain: 'false',
      broker: 'b1-broker',
      wires: [],
    },
  ];
}

/** Sets TCP_NODELAY on every socket of the child, as Tern does on its own (see bench/README.md). */
const NO_DELAY = `const net = require('node:net');
const connect = net.Socket.prototype.connect;
net.Socket.prototype.connect = function (...args) { this.setNoDelay(true); return connect.apply(this, args); };
`;

/** Node-RED from bench/.peers, no editor and no HTTP nodes, Nagle off on its sockets. */
export const NODE_RED: Peer = {
  name: 'Node-RED',
  start(url, dir) {
    writeFileSync(join(dir, 'flows.json'), JSON.stringify(nodeRedFlows(new URL(url))));
    writeFileSync(join(dir, 'nodelay.cjs'), NO_DELAY);
    writeFileSync(
      join(dir, 'settings.js'),
      `module.exports = ${JSON.stringify({
        uiHost: '127.0.0.1',
        uiPort: 0,
        httpAdminRoot: false,
        httpNodeRoot: false,
        flowFile: 'flows.json',
        credentialSecret: false,
        logging: { console: { level: 'warn', metrics: false, audit: false } },
      })};\n`,
    );
    return spawn(
      process.execPath,
      [
        '--require',
        join(dir, 'nodelay.cjs'),
        NODE_RED_MAIN,
        '--userDir',
        dir,
        '--settings',
        join(dir, 'settings.js'),
      ],
      { stdio: ['ignore', 'ignore', 'inherit'] },
    );
  },
};

/** Whether Node-RED is installed in bench/.peers (see bench/README.md). */
export function nodeRedInstalled(): boolean {
  return existsSync(NODE_RED_MAIN);
}

/** The publisher: sends readings, and times each alert back by the id it carries. */
class Publisher {
  private sentAt: Float64Array = new Float64Array(1 << 20);
  private nextId = 0;
  private phaseStart = 0;
  private latencies: number[] = [];

  private constructor(private client: MqttClient) {
    client.on('message', (topic) => {
      const id = Number(topic.slice(topic.lastIndexOf('/') + 1));
      if (id >= this.phaseStart && id < this.nextId && this.sentAt[id]! > 0) {
        this.latencies.push(performance.now() - this.sentAt[id]!);
        this.sentAt[id] = 0;
      }
    });
  }

  static async connect(url: string): Promise<Publisher> {
    const client = await mqtt.connectAsync(url, { reconnectPeriod: 0, clean: true });
    (client.stream as Partial<Socket>).setNoDelay?.(true);
    await client.subscribeAsync('bench/alert/#', { qos: 1 });
    return new Publisher(client);
  }

  private send(): void {
    if (this.nextId >= this.sentAt.length) this.sentAt = this.grow();
    const id = this.nextId++;
    this.sentAt[id] = performance.now();
    this.client.publish(`bench/sensor/s${id % 8}`, JSON.stringify({ id, value: 51 + (id % 49) }), { qos: 1 });
  }

  private grow(): Float64Array {
    const bigger = new Float64Array(this.sentAt.length * 2);
    bigger.set(this.sentAt);
    return bigger;
  }

  /** Sends `rate` messages/s for `seconds`, waits for the alerts, returns their latencies and the count lost. */
  async phase(rate: number, seconds: number): Promise<{ latencies: number[]; lost: number }> {
    this.phaseStart = this.nextId;
    this.latencies = [];
    const total = Math.round(rate * seconds);
    const t0 = performance.now();
    let sent = 0;
    while (sent < total) {
      const due = Math.min(total, Math.floor(((performance.now() - t0) / 1000) * rate) + 1);
      while (sent < due) {
        this.send();
        sent++;
      }
      await new Promise((resolve) => setTimeout(resolve, 1));
    }
    const deadline = performance.now() + DRAIN_MS;
    while (this.latencies.length < total && performance.now() < deadline)
      await new Promise((resolve) => setTimeout(resolve, 20));
    return { latencies: this.latencies, lost: total - this.latencies.length };
  }

  /** Sends one reading at a time until an alert comes back: the system has connected and subscribed. */
  async untilAnswered(child: ChildProcess, timeoutMs = 60_000): Promise<void> {
    const deadline = performance.now() + timeoutMs;
    while (performance.now() < deadline) {
      if (child.exitCode !== null) throw new Error(`exited with code ${child.exitCode} before answering`);
      this.phaseStart = this.nextId;
      this.latencies = [];
      this.send();
      const until = performance.now() + 200;
      while (this.latencies.length === 0 && performance.now() < until)
        await new Promise((resolve) => setTimeout(resolve, 10));
      if (this.latencies.length > 0) return;
    }
    throw new Error('no alert came back');
  }

  async close(): Promise<void> {
    await this.client.endAsync();
  }
}

async function stop(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise((resolve) => child.once('exit', resolve));
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), 5000);
  await exited;
  clearTimeout(timer);
}

/**
 * Measures one system on the broker at `url`: p50/p99 at `rate` messages/s
 * (after a warm-up at that rate), then the highest rate of STEPS with no loss.
 */
export async function sensorToAlert(
  peer: Peer,
  url: string,
  rate = 500,
  seconds = 4,
): Promise<SensorAlertResult> {
  const dir = mkdtempSync(join(tmpdir(), `tern-bench-b1-${peer.name.toLowerCase()}-`));
  const child = peer.start(url, dir);
  const publisher = await Publisher.connect(url);
  try {
    await publisher.untilAnswered(child);
    await publisher.phase(rate, 2);
    const fixed = await publisher.phase(rate, seconds);
    const result: SensorAlertResult = {
      p50: percentile(fixed.latencies, 50),
      p99: percentile(fixed.latencies, 99),
      maxRate: fixed.lost === 0 ? rate : 0,
      p99AtMax: percentile(fixed.latencies, 99),
      lost: fixed.lost,
    };
    for (const step of fixed.lost === 0 ? STEPS : []) {
      const run = await publisher.phase(step, 3);
      if (run.lost > 0) {
        result.failed = { rate: step, lost: run.lost };
        break;
      }
      result.maxRate = step;
      result.p99AtMax = percentile(run.latencies, 99);
    }
    return result;
  } finally {
    await publisher.close();
    await stop(child);
    rmSync(dir, { recursive: true, force: true });
  }
}
