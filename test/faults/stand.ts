/**
 * The stand every fault test builds on: a hub (a process, or in the test's
 * process) on a fresh PostgreSQL database (PGlite in a temp folder without
 * TERN_TEST_PG_URL), with its embedded broker or a private Mosquitto; agents
 * as real processes; a burst flow; and the exactly-once check at the end. Everything
 * it starts is stopped when the test ends, pass or fail; on failure the
 * processes' logs are printed.
 */
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, onTestFinished, vi } from 'vitest';
import { isTerminal, type State } from '../../protocol/states.js';
import { PrivateMosquitto } from '../support/mosquitto.js';
import { freeTcpPort } from '../support/ports.js';
import { type FreshDatabase, freshDatabase } from '../support/postgres.js';
import { describeWithService, serviceAddress } from '../support/services.js';
import { AgentProcess, type AgentProcessOptions, type AgentSnapshot } from './agent-process.js';
import { burstFlow } from './burst-flow.js';
import { FaultHub, type HubMode } from './fault-hub.js';
import type { HubApiClient } from './hub-process.js';
import { agentLedger, expectExactlyOnce, type HubStore, hubLedger } from './ledger.js';

export type BrokerKind = 'embedded' | 'mosquitto';

/**
 * Defines `suite` once per broker: the hub's embedded aedes broker, and a
 * private Mosquitto (skipped, or failed under TERN_REQUIRE_SERVICES=1, when
 * TERN_TEST_MQTT_URL does not say Mosquitto is installed).
 */
export function forEachBroker(title: string, suite: (broker: BrokerKind) => void): void {
  describe(title, { timeout: FAULT_TEST_TIMEOUT_MS }, () => {
    describe('embedded broker', () => suite('embedded'));
    describeWithService('TERN_TEST_MQTT_URL', 'Mosquitto', () => suite('mosquitto'));
  });
}

const ADMIN_TOKEN = 'tern_fault_admin_token_0123456789abcdef';

/** Mosquitto's second login with the hub's rights. */
const OPERATOR = { username: 'tern-ops', password: 'ops-secret-for-fault-tests' };

/** Fast reconnects, resends and statuses, so that each fault heals within a test's time. */
export const FAULT_SYNC = {
  reconnectMinMs: 50,
  reconnectMaxMs: 500,
  connectTimeoutMs: 2000,
  lingerMs: 5,
  ackTimeoutMs: 2000,
  statusIntervalMs: 1000,
};

/** How long a fault test waits for the system to heal. */
const HEAL_TIMEOUT_MS = 40_000;

/** A fault test's time limit: its processes start, fail and heal on a machine shared with the rest of the suite. */
const FAULT_TEST_TIMEOUT_MS = 90_000;

/** Waits for `check` to pass, polling; a deadline, never a fixed sleep. */
export function until<T>(check: () => T | Promise<T>, timeout = HEAL_TIMEOUT_MS): Promise<T> {
  return vi.waitFor(check, { timeout, interval: 50 });
}

export interface StandAgent {
  id: string;
  token: string;
  dataDir: string;
  process: AgentProcess;
  /** Options it was started with, to start it again. */
  options: AgentProcessOptions;
}

/** A broker login with the hub's rights over every agent's topics. */
export interface PrivilegedLogin {
  url: string;
  username: string;
  password: string;
}

export class FaultStand {
  hub!: FaultHub;
  mosquitto: PrivateMosquitto | undefined;
  /** The hub's database when TERN_TEST_PG_URL is set (PGlite starts several times slower). */
  private database: FreshDatabase | undefined;
  private mqttPort: number | undefined;
  private readonly agents = new Map<string, StandAgent>();
  private readonly logs: string[] = [];
  private readonly closers: Array<() => Promise<unknown>> = [];

  private constructor(
    readonly broker: BrokerKind,
    readonly dir: string,
  ) {}

  /** Starts the broker and the hub; call it inside a test (it registers its own tear-down). */
  static async open(broker: BrokerKind, hubMode: HubMode = 'process'): Promise<FaultStand> {
    const stand = new FaultStand(broker, mkdtempSync(join(tmpdir(), `tern-fault-${broker}-`)));
    // One hook, since vitest runs the `onTestFinished` ones before the `onTestFailed` ones.
    onTestFinished(async ({ task }) => {
      if (task.result?.state === 'fail') stand.printLogs();
      await stand.close();
    });
    const pg = serviceAddress('TERN_TEST_PG_URL');
    if (pg) stand.database = await freshDatabase(pg, 'tern_fault');
    if (broker === 'mosquitto') {
      stand.mosquitto = await PrivateMosquitto.start({
        dir: join(stand.dir, 'mosquitto'),
        hubPassword: 'hub-secret-for-fault-tests',
        operators: [OPERATOR],
      });
      stand.logs.push(stand.mosquitto.logFile);
    } else {
      stand.mqttPort = await freeTcpPort();
    }
    stand.hub = new FaultHub(hubMode, {
      dataDir: stand.hubDataDir,
      dbUrl: stand.database?.url,
      adminToken: ADMIN_TOKEN,
      logFile: stand.hubLogFile,
      ...(stand.mosquitto ? { brokerUrl: stand.mosquitto.hubUrl } : { mqttPort: stand.mqttPort }),
    });
    stand.logs.push(stand.hubLogFile);
    await stand.hub.start();
    return stand;
  }

  /** The hub's API at its current address. */
  get api(): HubApiClient {
    return this.hub.api;
  }

  /** Where agents connect: the embedded broker or Mosquitto. */
  get brokerUrl(): string {
    return this.mosquitto ? this.mosquitto.url : `mqtt://127.0.0.1:${this.mqttPort}`;
  }

  get brokerPort(): number {
    return this.mosquitto ? this.mosquitto.port : this.mqttPort!;
  }

  get hubDataDir(): string {
    return join(this.dir, 'hub');
  }

  /** Where the hub keeps its data, for reading it once the hub is stopped. */
  get hubStore(): HubStore {
    return this.database ? { url: this.database.url } : { dataDir: this.hubDataDir };
  }

  /**
   * A login with the hub's rights, to play a misbehaving hub: the embedded
   * broker's hub login (in-process hub only), or a second privileged user of
   * Mosquitto (where a login is one session: using the hub's would push the hub out).
   */
  get privilegedLogin(): PrivilegedLogin {
    if (this.mosquitto) return { url: this.mosquitto.url, ...OPERATOR };
    const credentials = this.hub.brokerCredentials;
    if (!credentials) throw new Error("the embedded broker's hub login is known only to an in-process hub");
    return { url: this.brokerUrl, ...credentials };
  }

  get hubLogFile(): string {
    return join(this.dir, 'hub.log');
  }

  /**
   * Stops the hub (SIGTERM: a clean stop; SIGKILL: a crash), runs `whileDown`,
   * and starts it again on the same storage.
   */
  async restartHub(signal: NodeJS.Signals, whileDown: () => Promise<void>): Promise<void> {
    await this.hub.stop(signal);
    await whileDown();
    await this.hub.start();
  }

  /**
   * Takes the broker down, runs `whileDown`, and brings it back: Mosquitto is
   * killed (SIGKILL) and started again on the same port and files; the
   * embedded broker lives in the hub, so the hub process stops cleanly
   * (SIGTERM) and starts again.
   */
  async restartBroker(whileDown: () => Promise<void>): Promise<void> {
    if (!this.mosquitto) return this.restartHub('SIGTERM', whileDown);
    await this.mosquitto.stop('SIGKILL');
    await whileDown();
    await this.mosquitto.restart();
  }

  /** Registers an agent with the hub (and, with Mosquitto, in its password file); returns its token. */
  async registerAgent(id: string): Promise<string> {
    const registered = await this.api.call('POST', '/agents', { id, labels: { role: 'fault-test' } });
    expect(registered.status, JSON.stringify(registered.body)).toBe(201);
    const token = registered.body.token as string;
    await this.mosquitto?.addUser(id, token);
    return token;
  }

  /** Registers an agent, then starts its process. */
  async startAgent(id: string, options: Partial<AgentProcessOptions> = {}): Promise<StandAgent> {
    const token = await this.registerAgent(id);
    const dataDir = join(this.dir, id);
    const agentOptions: AgentProcessOptions = {
      id,
      token,
      hubUrl: this.brokerUrl,
      dataDir,
      closeGraceMs: 2000,
      ...options,
      sync: { ...FAULT_SYNC, ...options.sync },
    };
    const logFile = join(this.dir, `${id}.log`);
    this.logs.push(logFile);
    const agent: StandAgent = {
      id,
      token,
      dataDir,
      options: agentOptions,
      process: await AgentProcess.start(agentOptions, logFile),
    };
    this.agents.set(id, agent);
    return agent;
  }

  /** Starts the agent's process again, on the same data dir, once the previous one has ended. */
  async restartAgent(agent: StandAgent): Promise<void> {
    await agent.process.exited;
    agent.process = await AgentProcess.start(agent.options, join(this.dir, `${agent.id}.log`));
  }

  /** Saves the burst flow for `agent` and waits until the agent runs it. */
  async deployBurst(agent: StandAgent, steps?: number, pause?: string): Promise<void> {
    const res = await this.api.call('PUT', '/flows/faults/burst', burstFlow(agent.id, steps, pause));
    expect([200, 201], JSON.stringify(res.body)).toContain(res.status);
    await until(async () => expect((await agent.process.snapshot()).applied).toContain('faults.burst'));
  }

  /**
   * Starts `count` executions of the burst flow on the agent through the API,
   * a few requests at a time; `after(sent)` runs after each answer. Returns the
   * execution ids the hub named.
   */
  async burst(agent: StandAgent, count: number, after?: (sent: number) => Promise<void>): Promise<string[]> {
    const ids: string[] = [];
    let next = 0;
    const worker = async () => {
      while (next < count) {
        next++;
        const res = await this.api.call('POST', `/executions/faults/burst?agent=${agent.id}`);
        expect(res.status, JSON.stringify(res.body)).toBe(202);
        ids.push(...(res.body.executionIds as string[]));
        await after?.(ids.length);
      }
    };
    await Promise.all(Array.from({ length: 4 }, worker));
    return ids;
  }

  /** How many of the agent's executions the hub lists (up to 500), and how many of them have not ended. */
  async hubProgress(agentId: string): Promise<{ listed: number; unfinished: number }> {
    const res = await this.api.call('GET', `/executions?agent=${agentId}&limit=500`);
    expect(res.status).toBe(200);
    const items = res.body.items as { state: State }[];
    return { listed: items.length, unfinished: items.filter((e) => !isTerminal(e.state)).length };
  }

  /** Waits until the agent has nothing running or unsent and the hub lists every execution ended. */
  async waitSynced(agent: StandAgent, executions: number): Promise<AgentSnapshot> {
    return until(async () => {
      const snapshot = await agent.process.snapshot();
      expect(snapshot).toMatchObject({ state: 'ACTIVE', running: 0, outbox: { depth: 0 } });
      expect(await this.hubProgress(agent.id)).toEqual({ listed: executions, unfinished: 0 });
      return snapshot;
    });
  }

  /**
   * Stops the agent and the hub cleanly and checks that the hub holds exactly
   * what the agent holds, every execution in `executionIds` once and ended.
   */
  async expectExactlyOnce(agent: StandAgent, executionIds: readonly string[]): Promise<void> {
    await agent.process.stop('SIGTERM');
    await this.hub.stop('SIGTERM');
    expectExactlyOnce(await hubLedger(this.hubStore, agent.id), agentLedger(agent.dataDir), executionIds);
  }

  /** Runs `step` when the test ends, before the stand's own processes are stopped. */
  onClose(step: () => Promise<unknown>): void {
    this.closers.push(step);
  }

  private async close(): Promise<void> {
    for (const step of this.closers.splice(0).reverse()) await step().catch(() => undefined);
    for (const agent of this.agents.values()) await agent.process.stop('SIGKILL').catch(() => undefined);
    await this.hub?.kill().catch(() => undefined);
    await this.mosquitto?.stop('SIGKILL').catch(() => undefined);
    await this.database?.drop().catch(() => undefined);
    rmSync(this.dir, { recursive: true, force: true });
  }

  private printLogs(): void {
    for (const file of this.logs) {
      if (!existsSync(file)) continue;
      const lines = readFileSync(file, 'utf8').trimEnd().split('\n');
      const tail = lines.slice(-60);
      console.error(`--- ${file} (last ${tail.length} of ${lines.length} lines)\n${tail.join('\n')}`);
    }
  }
}
