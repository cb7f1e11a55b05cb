/** The agent's close(), in order: take no more work, let running work end, then let go of what it used. */
import type { Logger } from '../protocol/logger.js';
import { Closers } from '../runtime/closers.js';
import type { Engine } from '../runtime/engine/engine.js';
import type { RuntimeHost } from '../runtime/engine/plugin-host.js';
import type { TriggerRuntime } from '../runtime/triggers/runtime.js';
import type { AgentHttp } from './http-server.js';
import type { LocalBroker } from './local-broker.js';
import type { SqliteStore } from './store/sqlite-store.js';
import type { CommandHandler } from './sync/commands.js';
import type { FootprintMeter } from './sync/footprint.js';
import type { Outbox } from './sync/outbox.js';
import type { LoadTracker } from './sync/status.js';
import type { SyncClient } from './sync/sync-client.js';

/** What a running agent holds, as its close steps need it. */
export interface AgentCloseParts {
  log: Logger;
  /** How long running executions may take to end before the store closes under them. */
  closeGraceMs: number;
  /** Refuses new work from now on and stops the agent's timers. */
  stopIntake(): void;
  http: AgentHttp | undefined;
  triggers: TriggerRuntime;
  commands: CommandHandler;
  engine: Engine;
  sync: SyncClient | undefined;
  host: RuntimeHost;
  localBroker: LocalBroker | undefined;
  store: SqliteStore;
  outbox: Outbox;
  load: LoadTracker;
  footprint: FootprintMeter;
}

/** The agent's closers, one per part, run in the order listed. */
export function agentClosers(p: AgentCloseParts): Closers {
  const { log } = p;
  return closersInOrder(log, [
    ['intake', () => p.stopIntake()],
    ['webhooks', () => p.http?.close()],
    ['triggers', () => p.triggers.stop()],
    ['commands', () => p.commands.idle()],
    ['executions', () => awaitExecutions(p.engine, p.closeGraceMs, log)],
    ['hub session', () => p.sync?.close()],
    [
      'plugin host',
      () =>
        p.host.close((key, err) =>
          log.warn({ resource: key, err: String(err) }, 'shared resource not closed'),
        ),
    ],
    ['local broker', () => p.localBroker?.close()],
    ['store writes', () => p.store.flush().catch(() => undefined)],
    ['outbox', () => p.outbox.close()],
    ['load', () => p.load.stop()],
    ['footprint', () => p.footprint.stop()],
    ['store', () => p.store.close()],
    ['log', () => log.info({}, 'agent stopped')],
  ]);
}

/** Closers that run in the order listed (Closers runs the newest first, so they are added from the end). */
function closersInOrder(log: Logger, steps: [string, () => unknown][]): Closers {
  const closers = new Closers(log);
  for (const [name, step] of steps.toReversed()) closers.add(name, step);
  return closers;
}

/** Waits up to `graceMs` for running executions; those still running resume at the next start. */
async function awaitExecutions(engine: Engine, graceMs: number, log: Logger): Promise<void> {
  if (!(await waitFor(engine.idle(), graceMs)))
    log.warn(
      { running: engine.activeCount },
      'executions still running at close; they resume at the next start',
    );
}

/** True if `promise` settles within `ms`. */
function waitFor(promise: Promise<unknown>, ms: number): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined;
  return Promise.race([
    promise.then(() => true),
    new Promise<boolean>((resolve) => {
      timer = setTimeout(() => resolve(false), ms);
    }),
  ]).finally(() => clearTimeout(timer));
}
