/**
 * Three hub processes on one PostgreSQL database and one Mosquitto, sharing
 * agent messages through an MQTT 5 shared subscription: one replica killed
 * (SIGKILL) in the middle of a burst from several agents loses nothing and
 * stores nothing twice — what its dead session never acknowledged is sent
 * again by the agents and stored by the replicas left.
 */
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect, it, onTestFinished } from 'vitest';
import { PrivateMosquitto } from '../support/mosquitto.js';
import { type FreshDatabase, freshDatabase } from '../support/postgres.js';
import { describeWithService, serviceAddress } from '../support/services.js';
import { AgentProcess } from './agent-process.js';
import { burstFlow } from './burst-flow.js';
import { HubApiClient, HubProcess } from './hub-process.js';
import { agentLedger, expectExactlyOnce, hubLedger, type Ledger } from './ledger.js';
import { FAULT_SYNC, until } from './stand.js';

const ADMIN = 'tern_replica_kill_admin_token_0123456789';
const AGENTS = 4;
const EXECUTIONS_PER_AGENT = 25;
/** Each replica logs in as its own user: Mosquitto ties a client id to its login (docs/mosquitto.md). */
const REPLICAS = ['tern-hub', 'tern-hub-2', 'tern-hub-3'];

/** Every agent's burst flow in one flow: the agents are named in its `runsOn`. */
const agentIds = Array.from({ length: AGENTS }, (_, i) => `gw-replica-${i + 1}`);

describeWithService('TERN_TEST_MQTT_URL', 'hub replicas: one killed mid-burst', () => {
  it('stores every record of every agent exactly once', { timeout: 180_000 }, async () => {
    const pgUrl = serviceAddress('TERN_TEST_PG_URL');
    expect(pgUrl, 'replicas need TERN_TEST_PG_URL').toBeDefined();
    const dir = mkdtempSync(join(tmpdir(), 'tern-replica-kill-'));
    const logs: string[] = [];
    const hubs: HubProcess[] = [];
    const agents: AgentProcess[] = [];
    let database: FreshDatabase | undefined;
    let mosquitto: PrivateMosquitto | undefined;
    onTestFinished(async ({ task }) => {
      if (task.result?.state === 'fail') printTails(logs);
      for (const a of agents) await a.stop('SIGKILL').catch(() => undefined);
      for (const h of hubs) await h.stop('SIGKILL').catch(() => undefined);
      await mosquitto?.stop('SIGKILL').catch(() => undefined);
      await database?.drop().catch(() => undefined);
      rmSync(dir, { recursive: true, force: true });
    });

    database = await freshDatabase(pgUrl!, 'tern_replica_kill');
    const password = 'replica-secret';
    mosquitto = await PrivateMosquitto.start({
      dir: join(dir, 'mosquitto'),
      hubPassword: password,
      operators: REPLICAS.slice(1).map((username) => ({ username, password })),
    });
    logs.push(mosquitto.logFile);
    for (const [i, user] of REPLICAS.entries()) {
      const logFile = join(dir, `hub-${i + 1}.log`);
      logs.push(logFile);
      hubs.push(
        await HubProcess.start({
          dataDir: join(dir, `hub-${i + 1}`),
          dbUrl: database.url,
          adminToken: ADMIN,
          brokerUrl: `mqtt://${user}:${password}@127.0.0.1:${mosquitto.port}`,
          logFile,
        }),
      );
    }
    const [front, , victim] = hubs.map((h) => new HubApiClient(h.url, ADMIN));

    const agentDirs: string[] = [];
    for (const id of agentIds) {
      const res = await front!.call('POST', '/agents', { id });
      expect(res.status).toBe(201);
      await mosquitto.addUser(id, res.body.token);
      const dataDir = join(dir, id);
      agentDirs.push(dataDir);
      const logFile = join(dir, `${id}.log`);
      logs.push(logFile);
      agents.push(
        await AgentProcess.start(
          { id, token: res.body.token, hubUrl: mosquitto.url, dataDir, closeGraceMs: 2000, sync: FAULT_SYNC },
          logFile,
        ),
      );
    }
    const flow = burstFlow(agentIds[0]!, 2, 'PT0.2S').replace(
      `agents: [${agentIds[0]}]`,
      `agents: [${agentIds.join(', ')}]`,
    );
    expect((await front!.call('PUT', '/flows/faults/burst', flow)).status).toBe(201);
    await until(async () => {
      for (const a of agents) expect((await a.snapshot()).applied).toContain('faults.burst');
    });

    // Runs go through the first replica; the agents' records reach all three.
    const ids = new Map<string, string[]>(agentIds.map((id) => [id, []]));
    let sent = 0;
    let killed: Promise<number> | undefined;
    const total = AGENTS * EXECUTIONS_PER_AGENT;
    const worker = async () => {
      while (sent < total) {
        const agentId = agentIds[sent % AGENTS]!;
        sent++;
        const res = await front!.call('POST', `/executions/faults/burst?agent=${agentId}`);
        expect(res.status, JSON.stringify(res.body)).toBe(202);
        ids.get(agentId)!.push(...(res.body.executionIds as string[]));
        if (sent === Math.floor(total / 3)) killed = killWhenIngesting(victim!, hubs[2]!);
      }
    };
    await Promise.all(Array.from({ length: 4 }, worker));
    const ingestedByVictim = await killed;

    // The two replicas left take every agent's messages, the ones the dead replica never acknowledged included.
    await until(async () => {
      for (const a of agents)
        expect(await a.snapshot()).toMatchObject({ state: 'ACTIVE', running: 0, outbox: { depth: 0 } });
      const listed = await front!.call('GET', '/executions?limit=500');
      expect(listed.body.items.filter((e: { state: string }) => e.state === 'SUCCESS').length).toBe(total);
    }, 90_000);
    const duplicatesSeen =
      sumMetric(await front!.metrics(), 'tern_sync_records_duplicate_total') +
      sumMetric(await new HubApiClient(hubs[1]!.url, ADMIN).metrics(), 'tern_sync_records_duplicate_total');

    for (const a of agents) await a.stop('SIGTERM');
    for (const h of hubs) await h.stop('SIGTERM');
    const figures = { sent: 0, stored: 0, duplicated: 0, lost: 0 };
    for (const [i, id] of agentIds.entries()) {
      const hub = await hubLedger({ url: database.url }, id);
      const agent = agentLedger(agentDirs[i]!);
      count(figures, hub, agent);
      expectExactlyOnce(hub, agent, ids.get(id)!);
    }
    console.info(
      `replica kill: ${JSON.stringify({ ...figures, ingestedByKilledReplica: ingestedByVictim, resentAndDropped: duplicatesSeen })}`,
    );
    expect(ingestedByVictim).toBeGreaterThan(0);
    expect(new Set([...ids.values()].flat()).size).toBe(total);
    expect(figures.stored).toBe(figures.sent);
    expect(figures.duplicated).toBe(0);
    expect(figures.lost).toBe(0);
  });
});

/** Kills the replica once it has stored some agent records; resolves with how many it had. */
async function killWhenIngesting(api: HubApiClient, hub: HubProcess): Promise<number> {
  const ingested = await until(async () => {
    const n = sumMetric(await api.metrics(), 'tern_sync_records_ingested_total');
    expect(n).toBeGreaterThan(0);
    return n;
  });
  await hub.stop('SIGKILL');
  return ingested;
}

/** Records on each side: the agent's are what was sent; the hub's distinct rows what was stored. */
function count(
  figures: Record<'sent' | 'stored' | 'duplicated' | 'lost', number>,
  hub: Ledger,
  agent: Ledger,
) {
  const sent = agent.executions.size + agent.taskRuns.size + agent.logs.length;
  const stored = hub.executions.size + hub.taskRuns.size + new Set(hub.logs).size;
  figures.sent += sent;
  figures.stored += stored;
  figures.duplicated += hub.logs.length - new Set(hub.logs).size;
  figures.lost += Math.max(0, sent - stored);
}

/** The sum of every series of a Prometheus counter. */
function sumMetric(text: string, name: string): number {
  let total = 0;
  for (const line of text.split('\n'))
    if (line.startsWith(name) && !line.startsWith(`${name}_`)) total += Number(line.split(' ').at(-1));
  return total;
}

function printTails(files: readonly string[]): void {
  for (const file of files) {
    if (!existsSync(file)) continue;
    const lines = readFileSync(file, 'utf8').trimEnd().split('\n');
    console.error(`--- ${file}\n${lines.slice(-40).join('\n')}`);
  }
}
