/** The figures of the sync and fleet benchmarks, B4–B7, as rows of the result table. */
import { fork } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { agentNodeOptions } from '../agent/v8-flags.js';
import { offlineDrain } from './drain-bench.js';
import type { FleetFigures } from './fleet-bench.js';
import { DEFAULT_INGEST, ingestOverMqtt, ingestStorageOnly } from './ingest-bench.js';
import { agentIdle, bareNodeRss } from './memory-bench.js';
import { agentSoak, type Slope } from './soak-bench.js';
import { type Figure, median, round } from './stats.js';

/** Runs `fn` the configured number of times. */
export type Repeat = <T>(fn: () => Promise<T>) => Promise<T[]>;

const where = (pgUrl: string | undefined) => (pgUrl ? 'PostgreSQL' : 'PGlite');
const medianOf = <T>(runs: T[], pick: (r: T) => number) => median(runs.map(pick));

/** B4 needs PostgreSQL: without it there is no figure, and the reason goes to stderr. */
export async function b4(repeat: Repeat, pgUrl: string | undefined): Promise<Figure[]> {
  if (!pgUrl) {
    console.error('B4 skipped: it needs PostgreSQL (TERN_BENCH_PG_URL or TERN_TEST_PG_URL)');
    return [];
  }
  const { agents, batchSize, inFlight } = DEFAULT_INGEST;
  const alone = await repeat(() => ingestStorageOnly(pgUrl));
  const mqtt = await repeat(() => ingestOverMqtt(pgUrl));
  const row = (figure: string, runs: typeof alone, cpuOf: string): Figure => {
    const cpu = medianOf(runs, (r) => r.cpuMicrosPerRecord);
    return {
      id: 'B4',
      figure,
      value: medianOf(runs, (r) => r.recordsPerSecond),
      unit: 'records/s',
      target: '≥ 50,000/s',
      runs: runs.map((r) => r.recordsPerSecond),
      note: `${cpuOf}: ${round(cpu, 1)} µs CPU/record`,
    };
  };
  return [
    row(
      `hub: agent records stored, ingest call alone, ${agents} agents × ${batchSize}-record batches, PostgreSQL`,
      alone,
      'hub process',
    ),
    row(
      `hub: agent records stored end to end over MQTT (embedded broker, ${inFlight} batches in flight), PostgreSQL`,
      mqtt,
      'hub process with the senders',
    ),
  ];
}

/**
 * B5 runs once whatever the repeat count (the sweep alone takes up to three
 * minutes), in a process of its own (bench/fleet-main.ts) that reads the
 * PostgreSQL URL from the same environment.
 */
export async function b5(): Promise<Figure[]> {
  const r = await inChild<FleetFigures>(join(dirname(fileURLToPath(import.meta.url)), 'fleet-main.js'));
  const db = r.database;
  const figures: Figure[] = r.steps.map((s) => ({
    id: 'B5',
    figure: `fleet: ${s.agents} simulated agents connected to one hub (${db})${s.partial ? ', budget out' : ''}, hub RSS`,
    value: s.hubRssMb,
    unit: 'MB',
    target: '(sane)',
    runs: [s.hubRssMb],
    note:
      `${round(((s.hubRssMb - r.baselineRssMb) * 1024) / s.agents, 0)} KB/agent over ${round(r.baselineRssMb, 0)} MB with none; ` +
      `connected in ${round(s.connectSeconds, 1)} s; heap ${round(s.hubHeapMb, 0)} MB; ` +
      `/healthz ${round(s.healthzMs, 1)} ms; loop delay p99 ${round(s.loopDelayP99Ms, 0)} ms; ` +
      `simulators ${round(s.simulatorsRssMb, 0)} MB`,
  }));
  figures.push({
    id: 'B5',
    figure: `fleet: agents held by one hub (sweep 1k → 10k, 3 simulator processes, ${db})`,
    value: r.held,
    unit: 'agents',
    target: '10,000',
    runs: [r.held],
    note: r.stopped ?? `registered in ${round(r.registerSeconds, 1)} s`,
  });
  figures.push({
    id: 'B5',
    figure: `fleet: flow revision saved → applied and reported by all ${r.held} agents`,
    // NaN (nothing held) crosses IPC as null.
    value: r.rolloutSeconds ?? Number.NaN,
    unit: 's',
    target: '≤ 10 s (10,000 agents)',
    runs: [r.rolloutSeconds ?? Number.NaN],
  });
  return figures;
}

export async function b6(repeat: Repeat, pgUrl: string | undefined): Promise<Figure[]> {
  const runs = await repeat(() => offlineDrain(pgUrl));
  const records = median(runs.map((r) => r.records));
  const label = `${round(records, 0)} buffered records synced after reconnect, ${where(pgUrl)}`;
  const row = (figure: string, pick: (r: (typeof runs)[number]) => number, unit: string, target: string) => ({
    id: 'B6',
    figure,
    value: medianOf(runs, pick),
    unit,
    target,
    runs: runs.map(pick),
  });
  return [
    {
      ...row(`offline drain: ${label}, reconnect → last ack`, (r) => r.seconds, 's', '≤ 5 s'),
      note: `records resent: ${runs.map((r) => r.resent).join('/')}`,
    },
    row('offline drain: records lost', (r) => r.lost, 'records', '0'),
    row('offline drain: records duplicated', (r) => r.duplicated, 'records', '0'),
  ];
}

export async function b7(repeat: Repeat, pgUrl: string | undefined): Promise<Figure[]> {
  const agent = await repeat(() => agentIdle(pgUrl));
  const bare = await repeat(() => bareNodeRss());
  const rss = agent.map((a) => a.rssMb);
  const ready = agent.map((a) => a.readyMs);
  return [
    {
      id: 'B7',
      figure: `agent idle RSS: \`tern agent\` from dist/ with 10 flows assigned by a hub (${where(pgUrl)})`,
      value: median(rss),
      unit: 'MB',
      target: '≤ 50 MB',
      runs: rss,
      note: `Node options: ${agentNodeOptions().join(' ')}`,
    },
    {
      id: 'B7',
      figure: 'agent start-up: process start → connected to the hub with its 10 flows applied',
      value: median(ready),
      unit: 'ms',
      target: '≤ 300 ms',
      runs: ready,
    },
    {
      id: 'B7',
      figure: 'bare `node -e` waiting on a timer, for reference',
      value: median(bare),
      unit: 'MB',
      target: '(reference)',
      runs: bare,
    },
  ];
}

/** A soak slope as a figure, its standard error in the note. */
function slopeFigure(figure: string, s: Slope): Figure {
  return {
    id: 'B7',
    figure,
    value: s.perTenMinutes,
    unit: 'MB',
    target: '≤ 1 MB or within 2 s.e.',
    runs: [s.perTenMinutes],
    note: `± ${round(s.standardError, 2)} MB (1 s.e.)`,
  };
}

/** B7's soak: the figures, and whether the agent grew (the run then fails). */
export async function b7Soak(
  pgUrl: string | undefined,
  durationMs: number,
): Promise<{ figures: Figure[]; growing: boolean }> {
  const r = await agentSoak(pgUrl, durationMs);
  const what = `agent soak, B1 flow at 500 readings/s for ${round(r.minutes, 1)} min (${where(pgUrl)})`;
  return {
    growing: r.growing,
    figures: [
      {
        id: 'B7',
        figure: `${what}: peak RSS`,
        value: r.maxRssMb,
        unit: 'MB',
        target: '≤ 70 MB',
        runs: [r.maxRssMb],
      },
      slopeFigure(`${what}: RSS slope per 10 min after the first minute`, r.rss),
      slopeFigure(`${what}: heap slope per 10 min after the first minute`, r.heap),
      {
        id: 'B7',
        figure: `${what}: alerts lost`,
        value: r.alertsSent - r.alertsReceived,
        unit: 'alerts',
        target: '0',
        runs: [r.alertsSent - r.alertsReceived],
        note: `${r.alertsReceived} of ${r.alertsSent} received`,
      },
    ],
  };
}

/** Runs a benchmark script in a child process and resolves with the one message it sends. */
function inChild<T>(script: string): Promise<T> {
  return new Promise((resolve, reject) => {
    let result: T | undefined;
    const child = fork(script, [], { execArgv: [], stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
    child.once('message', (message) => {
      result = message as T;
    });
    child.once('error', reject);
    child.once('exit', (code) =>
      result === undefined
        ? reject(new Error(`${script} exited with ${code} and no figures`))
        : resolve(result),
    );
  });
}
