/** An engine on real SQLite with a trigger runtime over it, for trigger tests. */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect, vi } from 'vitest';
import { SqliteTriggerStateStore } from '../../agent/store/trigger-state.js';
import type { Execution } from '../../protocol/execution.js';
import type { RuntimeHost } from '../../runtime/engine/plugin-host.js';
import type { Clock, FlowRecord } from '../../runtime/engine/ports.js';
import type { TriggerQueueOptions } from '../../runtime/triggers/queue.js';
import { TriggerRuntime } from '../../runtime/triggers/runtime.js';
import { type EngineFixture, engineFixture, parseOrThrow } from '../support/engine.js';
import { type LogEntry, memoryLogger } from '../support/logger.js';

/** Log lines the runtime wrote, for tests that look for a warning. */
export interface TriggerRig {
  fx: EngineFixture;
  triggers: TriggerRuntime;
  /** Executions created so far, in order. */
  started: Execution[];
  logs: LogEntry[];
  /** Parses a flow and makes the given flows the runtime's whole set. */
  deploy(...yamls: string[]): Promise<FlowRecord[]>;
  /** Ends the rig; with `keep`, its directory stays for a later rig (a restart). */
  close(keep?: boolean): Promise<void>;
  dir: string;
}

export interface RigOptions {
  clock?: Clock;
  host?: RuntimeHost;
  /** Reuse a directory left by an earlier rig: a restart of the same runtime. */
  dir?: string;
  refusal?: () => string | undefined;
  queue?: Partial<TriggerQueueOptions>;
}

export function triggerRig(options: RigOptions = {}): TriggerRig {
  const dir = options.dir ?? mkdtempSync(join(tmpdir(), 'tern-triggers-'));
  const fx = engineFixture({ clock: options.clock, dir, host: options.host });
  const logs: LogEntry[] = [];
  const started: Execution[] = [];
  fx.engine.on({
    execution: (e) => {
      if (e.state === 'CREATED') started.push(structuredClone(e));
    },
  });
  const triggers = new TriggerRuntime({
    engine: fx.engine,
    state: new SqliteTriggerStateStore(fx.store),
    logger: memoryLogger(logs),
    refusal: options.refusal,
    queue: options.queue,
  });
  return {
    fx,
    triggers,
    started,
    logs,
    dir,
    async deploy(...yamls) {
      const records = yamls.map((y) => fx.flow(y));
      await triggers.sync(records);
      return records;
    },
    async close(keep = false) {
      await triggers.stop();
      await fx.close();
      if (!keep) rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** Waits for `check` to pass (polling, with a deadline). */
export function eventually<T>(check: () => T | Promise<T>, timeout = 10_000): Promise<T> {
  return vi.waitFor(check, { timeout, interval: 5 });
}

/** Waits until `n` executions were created, and returns them. */
export async function startedCount(rig: TriggerRig, n: number): Promise<Execution[]> {
  await eventually(() => expect(rig.started.length).toBeGreaterThanOrEqual(n));
  return rig.started;
}

export { parseOrThrow };
