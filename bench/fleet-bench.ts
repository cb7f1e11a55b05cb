/**
 * B5: one hub (embedded broker) and many simulated agents in a few child
 * processes (bench/fleet-sim.ts). The fleet grows step by step while the
 * hub's memory and responsiveness are read; at the largest size reached, a
 * new revision of the flow they all run is saved through the API and the
 * time runs until every agent has reported it applied and the hub has
 * stored those reports.
 */
import { type ChildProcess, fork } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { dirname, join } from 'node:path';
import { type IntervalHistogram, monitorEventLoopDelay } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import type { Hub } from '../hub/hub.js';
import { openDatabase } from '../hub/store/db.js';
import { agents as agentsTable } from '../hub/store/schema.js';
import { hashToken } from '../hub/store/secrets.js';
import { api, hubPlace, startBenchHub, until } from './bench-hub.js';
import type { SimAgent, SimCommand, SimProgress } from './fleet-sim.js';
import { median } from './stats.js';

const SIMULATOR = join(dirname(fileURLToPath(import.meta.url)), 'fleet-sim.js');

export interface FleetOptions {
  /** Fleet sizes, in order; the sweep stops at the first one not reached. */
  steps: number[];
  /** Simulator processes. */
  workers: number;
  /** Handshakes in progress per simulator. */
  concurrency: number;
  /** Time for every step together; a step still connecting when it runs out ends the sweep. */
  budgetMs: number;
}

export const DEFAULT_FLEET: FleetOptions = {
  steps: [1000, 2000, 5000, 10_000],
  workers: 3,
  concurrency: 100,
  budgetMs: 120_000,
};

/** What the hub looked like with `agents` connected. */
export interface FleetStep {
  agents: number;
  /** The step's target was not reached in time: the agents held once the ones connecting had settled. */
  partial: boolean;
  /** From asking the simulators to connect the step's new agents to all of them having reported. */
  connectSeconds: number;
  hubRssMb: number;
  hubHeapMb: number;
  /** GET /healthz, median of 20 in a row, once the step is reached. */
  healthzMs: number;
  /** The hub's event loop delay, p99, while the step's agents connected. */
  loopDelayP99Ms: number;
  /** All simulators together. */
  simulatorsRssMb: number;
}

export interface FleetFigures {
  /** The hub's RSS with every agent registered and none connected. */
  baselineRssMb: number;
  steps: FleetStep[];
  /** The largest fleet every agent of which connected and reported. */
  held: number;
  /** Why the sweep stopped early, if it did. */
  stopped?: string;
  /** Flow revision saved → every held agent reported it applied and the hub stored it, in s. */
  rolloutSeconds: number;
  registerSeconds: number;
  database: string;
}

const FLOW = (message: string) => `id: b5
namespace: bench
runsOn:
  labels:
    fleet: b5
tasks:
  - id: hello
    type: log
    message: "${message} on {{ agent.id }}"
  - id: out
    type: output
    values:
      done: true
`;

/** Runs the sweep and the rollout once, on a fresh database (PostgreSQL when `serverUrl` is given). */
export async function fleetSweep(
  serverUrl: string | undefined,
  options = DEFAULT_FLEET,
): Promise<FleetFigures> {
  const place = await hubPlace(serverUrl, 'b5');
  let hub: Hub | undefined;
  const workers: Worker[] = [];
  try {
    hub = await startBenchHub(place);
    const h = hub;
    await api(h, 'POST', '/flows', { yaml: FLOW('revision one') });
    const total = Math.max(...options.steps);
    const registerStart = performance.now();
    const agents = await register(h, place.dbUrl, total);
    const registerSeconds = (performance.now() - registerStart) / 1000;
    const baselineRssMb = process.memoryUsage.rss() / 2 ** 20;
    for (let w = 0; w < options.workers; w++) workers.push(new Worker());
    const url = `mqtt://127.0.0.1:${h.mqttPort}`;

    const steps: FleetStep[] = [];
    let held = 0;
    let stopped: string | undefined;
    const deadline = performance.now() + options.budgetMs;
    for (const target of options.steps) {
      const delay = monitorEventLoopDelay({ resolution: 10 });
      delay.enable();
      const start = performance.now();
      for (const [w, worker] of workers.entries()) {
        const share = agents.slice(held, target).filter((_, i) => (held + i) % workers.length === w);
        worker.send({ type: 'connect', url, agents: share, concurrency: options.concurrency });
      }
      const measure = (agents: number, partial: boolean) =>
        measureStep(h, workers, { agents, partial, start, delay });
      try {
        await until(
          () => {
            const p = sum(workers);
            if (p.failed + p.lost > 0) throw new Error(`${p.failed} connections failed, ${p.lost} dropped`);
            return p.connected === target && (p.reportedRevision[1] ?? 0) === target;
          },
          Math.max(0, deadline - performance.now()),
          `${target} agents to connect and report`,
          50,
        );
      } catch (err) {
        const before = held;
        held = await settle(workers);
        const step = await measure(held, true);
        if (held > before) steps.push(step);
        const rate = (held - before) / step.connectSeconds;
        stopped = `${(err as Error).message}; stopped at ${held} agents (last step ${rate.toFixed(0)} agents/s)`;
        break;
      }
      held = target;
      steps.push(await measure(target, false));
    }

    let rolloutSeconds = Number.NaN;
    if (held > 0) {
      const start = performance.now();
      await api(h, 'PUT', '/flows/bench/b5', { yaml: FLOW('revision two') });
      await until(() => (sum(workers).reportedRevision[2] ?? 0) >= held, 120_000, 'the rollout', 20);
      await h.fleet.idle();
      rolloutSeconds = (performance.now() - start) / 1000;
    }
    return { baselineRssMb, steps, held, stopped, rolloutSeconds, registerSeconds, database: place.label };
  } finally {
    // The hub first: its broker then closes the agents' sessions without publishing their wills to anyone.
    await hub?.close();
    for (const worker of workers) worker.kill();
    await place.remove();
  }
}

/** The hub's state once a step's agents are held; stops the step's event loop delay histogram. */
async function measureStep(
  hub: Hub,
  workers: Worker[],
  step: { agents: number; partial: boolean; start: number; delay: IntervalHistogram },
): Promise<FleetStep> {
  step.delay.disable();
  const memory = process.memoryUsage();
  return {
    agents: step.agents,
    partial: step.partial,
    connectSeconds: (performance.now() - step.start) / 1000,
    hubRssMb: memory.rss / 2 ** 20,
    hubHeapMb: memory.heapUsed / 2 ** 20,
    healthzMs: await healthz(hub),
    loopDelayP99Ms: step.delay.percentile(99) / 1e6,
    simulatorsRssMb: sum(workers).rssBytes / 2 ** 20,
  };
}

/**
 * Registers `count` agents labelled `fleet=b5`. On PostgreSQL the rows are
 * written in bulk (the hashed tokens, as `agents.register` stores them), since
 * a registration each would take most of the benchmark's time; on PGlite,
 * which one process holds, through the storage one by one.
 */
async function register(hub: Hub, dbUrl: string | undefined, count: number): Promise<SimAgent[]> {
  const labels = { fleet: 'b5' };
  const ids = Array.from({ length: count }, (_, i) => `sim-${String(i).padStart(5, '0')}`);
  if (!dbUrl) {
    const out: SimAgent[] = [];
    for (const id of ids) out.push({ id, token: (await hub.storage.agents.register(id, labels)).token });
    return out;
  }
  const out = ids.map((id) => ({ id, token: `tern_bench_${randomBytes(16).toString('base64url')}` }));
  const database = await openDatabase({ url: dbUrl, maxConnections: 1 });
  try {
    for (let i = 0; i < out.length; i += 1000) {
      const rows = out.slice(i, i + 1000).map(({ id, token }) => ({
        id,
        labels,
        tokenHash: hashToken(token),
        createdAt: new Date(),
        status: {},
      }));
      await database.db.insert(agentsTable).values(rows);
    }
  } finally {
    await database.close();
  }
  return out;
}

/**
 * Stops new connections and waits until every agent still connecting is up
 * and has reported (or 30 s); returns how many agents are held then.
 */
async function settle(workers: Worker[]): Promise<number> {
  for (const worker of workers) worker.send({ type: 'stop' });
  const settled = () => {
    const p = sum(workers);
    return p.connected === (p.reportedRevision[1] ?? 0);
  };
  await until(settled, 30_000, 'the connecting agents to settle', 200).catch(() => undefined);
  return sum(workers).reportedRevision[1] ?? 0;
}

async function healthz(hub: Hub): Promise<number> {
  const times: number[] = [];
  for (let i = 0; i < 20; i++) {
    const start = performance.now();
    await (await fetch(`${hub.url}/api/v1/healthz`)).text();
    times.push(performance.now() - start);
  }
  return median(times);
}

/** One simulator process and its latest progress. */
class Worker {
  progress: SimProgress = {
    type: 'progress',
    connected: 0,
    failed: 0,
    lost: 0,
    reportedRevision: {},
    rssBytes: 0,
  };
  private readonly child: ChildProcess;

  constructor() {
    this.child = fork(SIMULATOR, [], { execArgv: [], stdio: ['ignore', 'ignore', 'inherit', 'ipc'] });
    this.child.on('message', (message: SimProgress) => {
      this.progress = message;
    });
  }

  send(command: SimCommand): void {
    this.child.send(command);
  }

  kill(): void {
    this.child.kill('SIGKILL');
  }
}

function sum(workers: Worker[]): SimProgress {
  const total: SimProgress = {
    type: 'progress',
    connected: 0,
    failed: 0,
    lost: 0,
    reportedRevision: {},
    rssBytes: 0,
  };
  for (const { progress: p } of workers) {
    total.connected += p.connected;
    total.failed += p.failed;
    total.lost += p.lost;
    total.rssBytes += p.rssBytes;
    for (const [revision, n] of Object.entries(p.reportedRevision))
      total.reportedRevision[Number(revision)] = (total.reportedRevision[Number(revision)] ?? 0) + n;
  }
  return total;
}
