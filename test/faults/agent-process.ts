/**
 * A real agent process for fault tests: the built agent (dist/) started with
 * JSON options, logging to a file, answering snapshot requests over IPC so a
 * test can watch its connection and outbox from outside. SIGKILL is real.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { closeSync, existsSync, openSync } from 'node:fs';
import { join } from 'node:path';
import type { AgentOptionsInput } from '../../agent/config.js';
import type { ConnectionState } from '../../agent/sync/connection.js';
import type { SyncStats } from '../../agent/sync/sync-client.js';
import type { OutboxStatus } from '../../protocol/messages.js';
import { ROOT } from '../support/cli.js';

const AGENT_MODULE = join(ROOT, 'dist', 'agent', 'agent.js');

/** Starts an agent from AGENT_OPTIONS, logs with pino on stderr, and answers `snapshot` requests. */
const SCRIPT = `
const { startAgent } = await import(process.env.AGENT_MODULE);
const { default: pino } = await import('pino');
const logger = pino({ level: 'debug', base: undefined }, pino.destination(2));
const agent = await startAgent({ ...JSON.parse(process.env.AGENT_OPTIONS), logger });
process.on('message', (request) => {
  process.send({
    id: request.id,
    state: agent.connectionState(),
    sync: agent.syncStats(),
    outbox: agent.outboxStats(),
    running: agent.engine.activeCount,
    applied: agent.appliedFlows().map((f) => f.namespace + '.' + f.id),
  });
});
const stop = () => agent.close().then(() => process.exit(0));
process.once('SIGTERM', stop);
// The test process is gone (crashed, killed): do not outlive it.
process.once('disconnect', () => process.exit(1));
process.send({ id: 0, started: true });
`;

/** What the agent process says about itself. */
export interface AgentSnapshot {
  state: ConnectionState | 'STANDALONE';
  sync: SyncStats;
  outbox: OutboxStatus;
  /** Executions running or queued in its engine. */
  running: number;
  /** `namespace.id` of each flow it runs. */
  applied: string[];
}

/** JSON-serialisable agent options: everything but the logger. */
export type AgentProcessOptions = Omit<AgentOptionsInput, 'logger'> & { dataDir: string };

/**
 * One run of an agent process; {@link AgentProcess.start} again with the same
 * data dir to restart it.
 */
export class AgentProcess {
  private readonly waiting = new Map<number, (s: AgentSnapshot) => void>();
  private nextId = 1;
  readonly exited: Promise<number | null>;

  private constructor(
    private readonly child: ChildProcess,
    readonly logFile: string,
  ) {
    this.exited = new Promise((resolve) => child.once('exit', (code) => resolve(code)));
    child.on('message', (m: AgentSnapshot & { id: number }) => {
      this.waiting.get(m.id)?.(m);
      this.waiting.delete(m.id);
    });
  }

  /** Spawns the agent and resolves once it runs (its store open, its flows loaded, its hub session started). */
  static async start(options: AgentProcessOptions, logFile: string): Promise<AgentProcess> {
    if (!existsSync(AGENT_MODULE))
      throw new Error('dist/ is missing: run `npm run build` (npm test does it)');
    const log = openSync(logFile, 'a');
    const child = spawn(process.execPath, ['--input-type=module', '-e', SCRIPT], {
      cwd: ROOT,
      env: { ...process.env, AGENT_MODULE, AGENT_OPTIONS: JSON.stringify(options) },
      stdio: ['ignore', 'ignore', log, 'ipc'],
    });
    closeSync(log);
    const agent = new AgentProcess(child, logFile);
    const started = new Promise<void>((resolve) => agent.waiting.set(0, () => resolve()));
    const exited = agent.exited.then((code) => {
      throw new Error(`agent process exited with ${code} before it started (log: ${logFile})`);
    });
    await Promise.race([started, exited]);
    return agent;
  }

  get pid(): number | undefined {
    return this.child.pid;
  }

  get alive(): boolean {
    return this.child.exitCode === null && this.child.signalCode === null;
  }

  /** Asks the process how it is doing. */
  snapshot(): Promise<AgentSnapshot> {
    if (!this.alive) return Promise.reject(new Error('the agent process is not running'));
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      this.waiting.set(id, resolve);
      this.exited.then(() => reject(new Error('the agent process exited')));
      this.child.send({ id });
    });
  }

  /** Sends `signal` and waits for the process to end. SIGTERM closes the agent cleanly first. */
  async stop(signal: NodeJS.Signals = 'SIGTERM'): Promise<void> {
    if (this.alive) this.child.kill(signal);
    await this.exited;
  }
}
