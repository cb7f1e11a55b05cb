/**
 * Agent benchmarks on durable local state (SQLite): B1, an MQTT message on
 * the agent's local broker until the first task of its flow starts (and the
 * engine's share of it); B2, executions per second of a 2-task flow.
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import type { Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import mqtt from 'mqtt';
import { startAgent } from '../agent/agent.js';
import { type LocalRuntime, openLocalRuntime } from '../agent/local-runtime.js';
import type { Engine } from '../runtime/engine/engine.js';
import type { FlowRecord } from '../runtime/engine/ports.js';
import { parseFlow } from '../runtime/flow-loader.js';
import { percentile } from './stats.js';

const TWO_TASKS = `
id: bench
namespace: bench
tasks:
  - id: hello
    type: log
    message: "reading {{ trigger.value }}"
  - id: out
    type: output
    values:
      doubled: "{{ trigger.value * 2 }}"
`;

function runtime(): { rt: LocalRuntime; record: FlowRecord; dir: string } {
  const dir = mkdtempSync(join(tmpdir(), 'tern-bench-'));
  const rt = openLocalRuntime({ dataDir: dir });
  const parsed = parseFlow(TWO_TASKS, rt.registry);
  if (!parsed.flow) throw new Error('bench flow invalid');
  const record = { flow: parsed.flow, revision: 1 };
  rt.flows.add(record);
  return { rt, record, dir };
}

/**
 * Executions of the 2-task flow, `inFlight` at a time, each loop starting the next while `more(n)`
 * holds for the count started so far (`startMore` makes it once the runtime is up, as the clock
 * starts); all committed at the end: how many completed, in how long.
 */
async function runExecutions(
  startMore: () => (started: number) => boolean,
  inFlight: number,
): Promise<{ completed: number; seconds: number }> {
  const { rt, record, dir } = runtime();
  const engine = rt.engine;
  let completed = 0;
  let n = 0;
  const more = startMore();
  const loop = async () => {
    while (more(n)) {
      const e = await engine.start(record, { trigger: { value: n++ } });
      await engine.wait(e.id);
      completed++;
    }
  };
  const start = performance.now();
  await Promise.all(Array.from({ length: inFlight }, loop));
  await rt.store.flush();
  const seconds = (performance.now() - start) / 1000;
  await rt.close();
  rmSync(dir, { recursive: true, force: true });
  return { completed, seconds };
}

/** B2: completed executions per second, `inFlight` at a time, for `seconds`. */
export async function executionsPerSecond(seconds = 3, inFlight = 256): Promise<number> {
  const run = await runExecutions(() => {
    const deadline = performance.now() + seconds * 1000;
    return () => performance.now() < deadline;
  }, inFlight);
  return run.completed / run.seconds;
}

/** A fixed number of executions (B2's flow), `inFlight` at a time: how many completed and in how long. */
export function executionBatch(
  executions: number,
  inFlight = 256,
): Promise<{ completed: number; seconds: number }> {
  return runExecutions(() => (started) => started < executions, inFlight);
}

/** B1 (in-process): event handed to the engine → first task RUNNING, in ms; one event at a time. */
export async function eventToFirstTask(events = 2000): Promise<{ p50: number; p99: number }> {
  const { rt, record, dir } = runtime();
  const engine: Engine = rt.engine;
  const latencies: number[] = [];
  let started = 0n;
  let resolveFirst: (() => void) | undefined;
  engine.on({
    taskRun(tr) {
      if (tr.taskId === 'hello' && tr.state === 'RUNNING' && resolveFirst) {
        latencies.push(Number(process.hrtime.bigint() - started) / 1e6);
        resolveFirst();
        resolveFirst = undefined;
      }
    },
  });
  for (let i = 0; i < events; i++) {
    const first = new Promise<void>((r) => {
      resolveFirst = r;
    });
    started = process.hrtime.bigint();
    const e = await engine.start(record, { trigger: { value: i } });
    await first;
    await engine.wait(e.id);
  }
  await rt.close();
  rmSync(dir, { recursive: true, force: true });
  const warm = latencies.slice(Math.floor(events / 10));
  return { p50: percentile(warm, 50), p99: percentile(warm, 99) };
}

const ON_MESSAGE = `
id: on-message
namespace: bench
triggers:
  - id: reading
    type: mqtt
    topic: bench/sensors/+
tasks:
  - id: hello
    type: log
    message: "reading {{ trigger.payload.value }}"
  - id: out
    type: output
    values:
      doubled: "{{ trigger.payload.value * 2 }}"
`;

/**
 * B1: a standalone agent with its local broker (aedes) and a flow with an
 * `mqtt` trigger; a client publishes on the broker (QoS 1, Nagle off), and
 * the time runs until the flow's first task is RUNNING, in ms. One message
 * at a time, each execution ended before the next message.
 */
export async function mqttToFirstTask(events = 2000): Promise<{ p50: number; p99: number }> {
  const dir = mkdtempSync(join(tmpdir(), 'tern-bench-b1-'));
  mkdirSync(join(dir, 'flows'));
  writeFileSync(join(dir, 'flows', 'on-message.yml'), ON_MESSAGE);
  const agent = await startAgent({
    id: 'bench',
    flowsDir: join(dir, 'flows'),
    dataDir: join(dir, 'data'),
    localBroker: { port: 0 },
  });
  const broker = agent.localBroker;
  if (!broker) throw new Error('the agent started without its local broker');
  const client = await mqtt.connectAsync(broker.url, { reconnectPeriod: 0 });
  (client.stream as Partial<Socket>).setNoDelay?.(true);
  const latencies: number[] = [];
  let sent = 0n;
  let first: (() => void) | undefined;
  agent.engine.on({
    taskRun(tr) {
      if (tr.taskId === 'hello' && tr.state === 'RUNNING' && first) {
        latencies.push(Number(process.hrtime.bigint() - sent) / 1e6);
        first();
        first = undefined;
      }
    },
  });
  const message = async (i: number, deadlineMs: number): Promise<boolean> => {
    const started = new Promise<boolean>((resolve) => {
      const timer = setTimeout(() => resolve(false), deadlineMs);
      first = () => {
        clearTimeout(timer);
        resolve(true);
      };
    });
    sent = process.hrtime.bigint();
    client.publish('bench/sensors/s1', JSON.stringify({ value: i }), { qos: 1 });
    const ok = await started;
    await agent.engine.idle();
    return ok;
  };
  // The trigger subscribes as the agent starts: wait until a message gets through.
  for (let tries = 0; !(await message(-1, 100)); tries++)
    if (tries > 100) throw new Error('the mqtt trigger never started an execution');
  latencies.length = 0;
  for (let i = 0; i < events; i++)
    if (!(await message(i, 5000))) throw new Error(`message ${i} started nothing`);
  await client.endAsync();
  await agent.close();
  rmSync(dir, { recursive: true, force: true });
  const warm = latencies.slice(Math.floor(events / 10));
  return { p50: percentile(warm, 50), p99: percentile(warm, 99) };
}
