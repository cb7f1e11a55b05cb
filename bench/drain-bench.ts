/**
 * B6: offline drain. A real agent runs a 2-task flow while its hub is away
 * until its outbox holds `target` records; the hub comes back on the same
 * database and port, and the time runs from the agent's session becoming
 * ACTIVE to the ack of its last record. Lost and duplicated records are
 * counted by comparing the hub's stored rows with the agent's own. Agent and
 * hub share this process's one thread, which can only slow the figure down.
 */
import { join } from 'node:path';
import { sql } from 'drizzle-orm';
import { type Agent, startAgent } from '../agent/agent.js';
import type { Hub } from '../hub/hub.js';
import { type Db, openDatabase, resultRows } from '../hub/store/db.js';
import { api, freePort, type HubPlace, hubPlace, registerAgent, startBenchHub, until } from './bench-hub.js';

export interface DrainFigures {
  /** Records buffered while the hub was away. */
  records: number;
  seconds: number;
  lost: number;
  duplicated: number;
  /** Records the agent sent beyond one send each (resends after an ack timeout). */
  resent: number;
  /** What the hub ran on. */
  database: string;
}

const AGENT = 'b6-agent';

const FLOW = `id: b6
namespace: bench
runsOn:
  agents: [${AGENT}]
tasks:
  - id: hello
    type: log
    message: "reading {{ trigger.value }}"
  - id: out
    type: output
    values:
      doubled: "{{ trigger.value * 2 }}"
`;

/** Runs B6 once on a fresh database (PostgreSQL when `serverUrl` is given, else PGlite). */
export async function offlineDrain(serverUrl: string | undefined, target = 100_000): Promise<DrainFigures> {
  const place = await hubPlace(serverUrl, 'b6');
  const mqttPort = await freePort();
  let hub: Hub | undefined = await startBenchHub(place, mqttPort);
  let agent: Agent | undefined;
  try {
    await api(hub, 'POST', '/flows', { yaml: FLOW });
    agent = await startAgent({
      id: AGENT,
      hubUrl: `mqtt://127.0.0.1:${mqttPort}`,
      token: await registerAgent(hub, AGENT),
      dataDir: join(place.dataDir, 'agent'),
      // Back quickly once the hub returns: the figure starts at reconnect, not at the hub's start.
      sync: { reconnectMinMs: 20, reconnectMaxMs: 100 },
    });
    const a = agent;
    await until(() => a.flows().length === 1, 15_000, 'the flow to reach the agent');
    await hub.close();
    hub = undefined;
    await until(() => a.connectionState() !== 'ACTIVE', 15_000, 'the agent to notice the hub left');

    const base = a.outbox.highSeq;
    await fillOutbox(a, base + target);
    const records = a.outbox.highSeq - a.outbox.ackedSeq;
    const sentBefore = a.syncStats()?.recordsSent ?? 0;

    let activeAt = 0;
    const off = a.sync?.onStateChange((to) => {
      if (to === 'ACTIVE' && activeAt === 0) activeAt = performance.now();
    });
    hub = await startBenchHub(place, mqttPort);
    const high = a.outbox.highSeq;
    await until(() => a.outbox.ackedSeq >= high, 120_000, 'the last ack', 1);
    const seconds = (performance.now() - activeAt) / 1000;
    off?.();
    const resent = (a.syncStats()?.recordsSent ?? 0) - sentBefore - records;

    await hub.fleet.idle();
    await hub.close();
    hub = undefined;
    const { lost, duplicated } = await compare(a, place);
    return { records, seconds, lost, duplicated, resent: Math.max(0, resent), database: place.label };
  } finally {
    await agent?.close();
    await hub?.close();
    await place.remove();
  }
}

/** Starts executions of the agent's flow, 256 at a time, until its outbox reaches `highSeq`. */
async function fillOutbox(agent: Agent, highSeq: number): Promise<void> {
  const record = agent.flows()[0]!;
  let n = 0;
  const loop = async () => {
    while (agent.outbox.highSeq < highSeq) {
      const e = await agent.engine.start(record, { trigger: { value: n++ } });
      await agent.engine.wait(e.id);
      // The outbox's seq grows only once the store commits: without waiting for it, the loops
      // would go on starting executions and overshoot the target (by 2.6 times, measured).
      await agent.store.flush();
    }
  };
  await Promise.all(Array.from({ length: 256 }, loop));
  await agent.engine.idle();
  await agent.store.flush();
}

/**
 * Lost: an execution or task run of the agent absent at the hub or in
 * another state there, or fewer log lines of an execution than the agent
 * has. Duplicated: log lines beyond the agent's (executions and task runs
 * are keyed by id, so only log lines could be stored twice).
 */
async function compare(agent: Agent, place: HubPlace): Promise<{ lost: number; duplicated: number }> {
  const local = agent.store.database;
  const mine = {
    executions: stateMap(local.prepare('SELECT id, state FROM executions').all() as Row[]),
    taskRuns: stateMap(local.prepare('SELECT id, state FROM task_runs').all() as Row[]),
    logs: countMap(
      local
        .prepare('SELECT execution_id AS id, count(*) AS n FROM logs GROUP BY execution_id')
        .all() as Counted[],
    ),
  };
  const database = await openDatabase(
    place.dbUrl ? { url: place.dbUrl } : { dataDir: join(place.dataDir, 'pgdata') },
  );
  try {
    const db: Db = database.db;
    const rows = async <T>(query: ReturnType<typeof sql>) => resultRows<T>(await db.execute(query));
    const theirs = {
      executions: stateMap(await rows<Row>(sql`SELECT id, state FROM executions WHERE agent_id = ${AGENT}`)),
      taskRuns: stateMap(await rows<Row>(sql`SELECT id, state FROM task_runs`)),
      logs: countMap(
        await rows<Counted>(
          sql`SELECT execution_id AS id, count(*)::int AS n FROM logs GROUP BY execution_id`,
        ),
      ),
    };
    let lost = 0;
    let duplicated = 0;
    for (const kind of ['executions', 'taskRuns'] as const)
      for (const [id, state] of mine[kind]) if (theirs[kind].get(id) !== state) lost++;
    for (const [id, n] of mine.logs) {
      const stored = theirs.logs.get(id) ?? 0;
      if (stored < n) lost += n - stored;
      else duplicated += stored - n;
    }
    for (const [id, n] of theirs.logs) if (!mine.logs.has(id)) duplicated += n;
    return { lost, duplicated };
  } finally {
    await database.close();
  }
}

type Row = { id: string; state: string };
type Counted = { id: string; n: number };
const stateMap = (rows: Row[]) => new Map(rows.map((r) => [r.id, r.state]));
const countMap = (rows: Counted[]) => new Map(rows.map((r) => [r.id, Number(r.n)]));
