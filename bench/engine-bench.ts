/**
 * Engine benchmarks on durable local state (SQLite): B2, executions per
 * second of a 2-task flow; B1 (in-process part), an event handed to the
 * engine until its first task starts.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Engine } from '../agent/engine/engine.js';
import type { FlowRecord } from '../agent/engine/ports.js';
import { parseFlow } from '../agent/flow-loader.js';
import { type LocalRuntime, openLocalRuntime } from '../agent/local-runtime.js';
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

/** B2: completed executions per second, `inFlight` at a time, for `seconds`. */
export async function executionsPerSecond(seconds = 3, inFlight = 256): Promise<number> {
  const { rt, record, dir } = runtime();
  const engine = rt.engine;
  let completed = 0;
  let n = 0;
  const deadline = performance.now() + seconds * 1000;
  const loop = async () => {
    while (performance.now() < deadline) {
      const e = await engine.start(record, { trigger: { value: n++ } });
      await engine.wait(e.id);
      completed++;
    }
  };
  const start = performance.now();
  await Promise.all(Array.from({ length: inFlight }, loop));
  await rt.store.flush();
  const elapsed = (performance.now() - start) / 1000;
  await rt.close();
  rmSync(dir, { recursive: true, force: true });
  return completed / elapsed;
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
