/**
 * Three hub processes on one fresh PostgreSQL database and one private
 * Mosquitto (each replica on its own login), agents registered and running
 * the burst flow: the stand of the replica fault tests, and their accounting
 * of what the agents sent against what the hubs stored.
 */
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect } from 'vitest';
import { PrivateMosquitto } from '../support/mosquitto.js';
import { type FreshDatabase, freshDatabase } from '../support/postgres.js';
import { serviceAddress } from '../support/services.js';
import { AgentProcess } from './agent-process.js';
import { burstFlow } from './burst-flow.js';
import { HubApiClient, HubProcess, type HubProcessOptions } from './hub-process.js';
import { agentLedger, expectExactlyOnce, hubLedger, type Ledger } from './ledger.js';
import { FAULT_SYNC, until } from './stand.js';

/** Each replica logs in as its own user: Mosquitto ties a client id to its login (docs/mosquitto.md). */
export const REPLICA_LOGINS = ['tern-hub', 'tern-hub-2', 'tern-hub-3'];

const PASSWORD = 'replica-secret';

/** Records sent by the agents and what became of them in the hubs' database. */
export interface SyncFigures {
  sent: number;
  stored: number;
  duplicated: number;
  lost: number;
}

export interface ReplicaStandOptions {
  /** Names the database and temporary folder. */
  name: string;
  adminToken: string;
  agents: number;
  /** More `tern hub` flags for every replica. */
  hubArgs?: readonly string[];
}

export class ReplicaStand {
  readonly hubs: HubProcess[] = [];
  readonly agents: AgentProcess[] = [];
  readonly agentIds: string[];
  private readonly agentDirs: string[] = [];
  private readonly logs: string[] = [];
  private readonly hubOptions: HubProcessOptions[] = [];

  private constructor(
    private readonly options: ReplicaStandOptions,
    readonly dir: string,
    readonly database: FreshDatabase,
    readonly mosquitto: PrivateMosquitto,
  ) {
    this.agentIds = Array.from({ length: options.agents }, (_, i) => `gw-${options.name}-${i + 1}`);
  }

  /** Starts the database, the broker, three replicas and the agents, and has every agent run the burst flow. */
  static async start(options: ReplicaStandOptions): Promise<ReplicaStand> {
    const pgUrl = serviceAddress('TERN_TEST_PG_URL');
    expect(pgUrl, 'replicas need TERN_TEST_PG_URL').toBeDefined();
    const dir = mkdtempSync(join(tmpdir(), `tern-${options.name}-`));
    const database = await freshDatabase(pgUrl!, `tern_${options.name.replaceAll('-', '_')}`);
    const mosquitto = await PrivateMosquitto.start({
      dir: join(dir, 'mosquitto'),
      hubPassword: PASSWORD,
      operators: REPLICA_LOGINS.slice(1).map((username) => ({ username, password: PASSWORD })),
    }).catch(async (err: unknown) => {
      await database.drop();
      throw err;
    });
    const stand = new ReplicaStand(options, dir, database, mosquitto);
    stand.logs.push(mosquitto.logFile);
    for (const [i, user] of REPLICA_LOGINS.entries()) {
      const logFile = join(dir, `hub-${i + 1}.log`);
      stand.logs.push(logFile);
      stand.hubOptions.push({
        dataDir: join(dir, `hub-${i + 1}`),
        dbUrl: database.url,
        adminToken: options.adminToken,
        brokerUrl: `mqtt://${user}:${PASSWORD}@127.0.0.1:${mosquitto.port}`,
        logFile,
        extraArgs: options.hubArgs,
      });
      stand.hubs.push(await HubProcess.start(stand.hubOptions[i]!));
    }
    await stand.startAgents();
    return stand;
  }

  /** The API of replica `i`, at the address it serves now. */
  api(i: number): HubApiClient {
    return new HubApiClient(this.hubs[i]!.url, this.options.adminToken);
  }

  /** Stops replica `i` with `signal` and starts it again on the same login and data folder. */
  async restartHub(i: number, signal: NodeJS.Signals = 'SIGTERM'): Promise<HubProcess> {
    await this.hubs[i]!.stop(signal);
    this.hubs[i] = await HubProcess.start(this.hubOptions[i]!);
    return this.hubs[i]!;
  }

  /** Waits until every agent has sent everything and runs nothing. */
  async agentsDrained(timeoutMs: number): Promise<void> {
    await until(async () => {
      for (const a of this.agents)
        expect(await a.snapshot()).toMatchObject({ state: 'ACTIVE', running: 0, outbox: { depth: 0 } });
    }, timeoutMs);
  }

  /**
   * Stops every process, then checks each agent's records against the
   * database: every execution in `ids` stored once, as the agent holds it.
   */
  async settle(ids: ReadonlyMap<string, readonly string[]>): Promise<SyncFigures> {
    for (const a of this.agents) await a.stop('SIGTERM');
    for (const h of this.hubs) await h.stop('SIGTERM');
    const figures: SyncFigures = { sent: 0, stored: 0, duplicated: 0, lost: 0 };
    for (const [i, id] of this.agentIds.entries()) {
      const hub = await hubLedger({ url: this.database.url }, id);
      const agent = agentLedger(this.agentDirs[i]!);
      count(figures, hub, agent);
      expectExactlyOnce(hub, agent, ids.get(id) ?? []);
    }
    return figures;
  }

  /** Kills what still runs and removes everything; prints the logs' tails when the test failed. */
  async close(failed: boolean): Promise<void> {
    if (failed) printTails(this.logs);
    for (const a of this.agents) await a.stop('SIGKILL').catch(() => undefined);
    for (const h of this.hubs) await h.stop('SIGKILL').catch(() => undefined);
    await this.mosquitto.stop('SIGKILL').catch(() => undefined);
    await this.database.drop().catch(() => undefined);
    rmSync(this.dir, { recursive: true, force: true });
  }

  private async startAgents(): Promise<void> {
    const front = this.api(0);
    for (const id of this.agentIds) {
      const res = await front.call('POST', '/agents', { id });
      expect(res.status).toBe(201);
      await this.mosquitto.addUser(id, res.body.token);
      const dataDir = join(this.dir, id);
      this.agentDirs.push(dataDir);
      const logFile = join(this.dir, `${id}.log`);
      this.logs.push(logFile);
      this.agents.push(
        await AgentProcess.start(
          {
            id,
            token: res.body.token,
            hubUrl: this.mosquitto.url,
            dataDir,
            closeGraceMs: 2000,
            sync: FAULT_SYNC,
          },
          logFile,
        ),
      );
    }
    const flow = burstFlow(this.agentIds[0]!, 2, 'PT0.2S').replace(
      `agents: [${this.agentIds[0]}]`,
      `agents: [${this.agentIds.join(', ')}]`,
    );
    expect((await front.call('PUT', '/flows/faults/burst', flow)).status).toBe(201);
    await until(async () => {
      for (const a of this.agents) expect((await a.snapshot()).applied).toContain('faults.burst');
    });
  }
}

/** Records on each side: the agent's are what was sent; the hub's distinct rows what was stored. */
function count(figures: SyncFigures, hub: Ledger, agent: Ledger): void {
  const sent = agent.executions.size + agent.taskRuns.size + agent.logs.length;
  const stored = hub.executions.size + hub.taskRuns.size + new Set(hub.logs).size;
  figures.sent += sent;
  figures.stored += stored;
  figures.duplicated += hub.logs.length - new Set(hub.logs).size;
  figures.lost += Math.max(0, sent - stored);
}

/** The sum of every series of a Prometheus counter. */
export function sumMetric(text: string, name: string): number {
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
