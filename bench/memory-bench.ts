/**
 * B7: idle memory of a real `tern agent` process (from dist/) connected to a
 * hub that assigned it 10 flows, read from /proc/PID/status (VmRSS) once the
 * agent has applied them and settled, and its start-up time (process start →
 * connected with the flows applied, as the agent reports it). Bare `node` is
 * measured the same way.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { agentNodeOptions } from '../agent/v8-flags.js';
import type { Hub } from '../hub/hub.js';
import { api, hubPlace, registerAgent, startBenchHub, until } from './bench-hub.js';
import { settledRss, stop } from './process-rss.js';

const CLI = join(dirname(fileURLToPath(import.meta.url)), '..', 'cli', 'main.js');

const AGENT = 'b7-agent';

/**
 * Ten flows of the kinds an edge device runs: half on a daily schedule (their
 * triggers armed), half started on demand; logs, outputs, a condition, a loop
 * and an HTTP call (never run while idle).
 */
function flowSource(i: number): string {
  const trigger =
    i % 2 === 0
      ? `triggers:\n  - id: daily\n    type: schedule\n    cron: "${i} 3 * * *"\n    recoverMissedSchedules: NONE\n`
      : '';
  return `id: idle-${i}
namespace: bench.b7
runsOn:
  agents: [${AGENT}]
inputs:
  - id: limit
    type: FLOAT
    defaults: ${i + 1}.5
${trigger}tasks:
  - id: read
    type: output
    values:
      value: ${i * 3}
  - id: check
    type: if
    condition: "{{ outputs.read.values.value > inputs.limit }}"
    then:
      - id: high
        type: log
        level: WARN
        message: "value {{ outputs.read.values.value }} above {{ inputs.limit }}"
    else:
      - id: fine
        type: log
        message: "value {{ outputs.read.values.value }}"
  - id: each
    type: foreach
    values: ["a", "b", "c"]
    tasks:
      - id: item
        type: log
        message: "item {{ taskrun.value }}"
  - id: report
    type: http.request
    uri: "http://127.0.0.1:9/report/${i}"
    method: POST
    body: "{{ outputs.read.values | json }}"
`;
}

/** One B7 run: the agent's settled RSS and its start-up time. */
export interface AgentIdle {
  rssMb: number;
  /** Process start → connected with its 10 flows applied, ms. */
  readyMs: number;
}

/**
 * Spawns `tern agent` on `hub` as it is deployed: with the Node options of
 * {@link agentNodeOptions} for this machine's memory.
 */
export function spawnAgent(
  hub: Hub,
  id: string,
  token: string,
  dataDir: string,
  ...more: string[]
): ChildProcess {
  const args = [
    `--hub=mqtt://127.0.0.1:${hub.mqttPort}`,
    `--id=${id}`,
    `--token=${token}`,
    `--data-dir=${dataDir}`,
  ];
  return spawn(process.execPath, [...agentNodeOptions(), CLI, 'agent', ...args, ...more], {
    stdio: 'ignore',
    env: { ...process.env, TERN_LOG_LEVEL: 'warn' },
  });
}

/** The agent's settled RSS with its 10 flows, and its start-up time; one run on a fresh hub. */
export async function agentIdle(serverUrl: string | undefined): Promise<AgentIdle> {
  const place = await hubPlace(serverUrl, 'b7');
  let hub: Hub | undefined;
  let child: ChildProcess | undefined;
  try {
    hub = await startBenchHub(place);
    const h = hub;
    for (let i = 0; i < 10; i++) await api(h, 'POST', '/flows', { yaml: flowSource(i) });
    const token = await registerAgent(h, AGENT);
    child = spawnAgent(h, AGENT, token, join(place.dataDir, 'agent'));
    const pid = child.pid!;
    let readyMs: number | undefined;
    await until(
      async () => {
        const agent = await api<AgentRecord>(h, 'GET', `/agents/${AGENT}`);
        readyMs = agent.status.footprint?.readyMs;
        return (
          agent.status.applied?.flows.length === 10 && agent.status.drift === false && readyMs !== undefined
        );
      },
      30_000,
      'the agent to apply its 10 flows',
      100,
    );
    return { rssMb: await settledRss(pid), readyMs: readyMs! };
  } finally {
    if (child) await stop(child);
    await hub?.close();
    await place.remove();
  }
}

/** What B7 reads of the agent's record. */
interface AgentRecord {
  status: { applied?: { flows: unknown[] }; drift?: boolean; footprint?: { readyMs?: number } };
}

/** RSS of a bare `node` process that only waits, in MB, measured like the agent. */
export async function bareNodeRss(): Promise<number> {
  const child = spawn(process.execPath, ['-e', 'setInterval(() => {}, 1 << 30)'], { stdio: 'ignore' });
  try {
    return await settledRss(child.pid!);
  } finally {
    await stop(child);
  }
}
