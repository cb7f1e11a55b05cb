/**
 * The trigger runtime: runs the triggers of every flow it is given, restarts
 * them when a flow changes, stops them when a flow goes away or is disabled.
 * The agent and the hub both use it, each with its own state store.
 */
import { type Trigger, TriggerCommonProperties } from '../../protocol/flow.js';
import { type Logger, silentLogger } from '../../protocol/logger.js';
import type { TriggerStatus } from '../../protocol/messages.js';
import type { AnyTriggerDefinition, TriggerHandle } from '../../protocol/plugin.js';
import type { Engine } from '../engine/engine.js';
import { messageOf } from '../engine/errors.js';
import type { FlowRecord } from '../engine/ports.js';
import type { TriggerScope, TriggerStateStore } from './ports.js';
import { TriggerQueue, type TriggerQueueOptions } from './queue.js';
import { RuntimeTriggerContext, type TriggerStats } from './trigger-context.js';

export interface TriggerRuntimeOptions {
  engine: Engine;
  state: TriggerStateStore;
  logger?: Logger;
  /** Why new executions may not start now (the agent's outbox is full, it is stopping), or undefined. */
  refusal?: () => string | undefined;
  /** The bounded queue between triggers and executions (default: 1,000 executions, wait). */
  queue?: Partial<TriggerQueueOptions>;
  /**
   * Whether this runtime runs triggers of this (canonical) type now; default: all. Hub replicas
   * share one database, and a schedule must fire on one of them only: the others hold it back,
   * leaving its state alone, until {@link TriggerRuntime.reconsider} finds it theirs.
   */
  holds?: (type: string) => boolean;
}

/** A trigger that runs, as {@link TriggerRuntime.list} shows it. */
export interface RunningTriggerInfo {
  namespace: string;
  flowId: string;
  triggerId: string;
  type: string;
  revision: number;
}

interface RunningTrigger {
  id: string;
  type: string;
  controller: AbortController;
  handle: TriggerHandle | undefined;
  /** Its context's figures; its own when it could not start. */
  stats: TriggerStats;
  context: RuntimeTriggerContext | undefined;
}

interface RunningFlow {
  record: FlowRecord;
  /** The flow as JSON: a change of any property restarts its triggers. */
  fingerprint: string;
  triggers: RunningTrigger[];
  /** Triggers this revision disables (all of them in a disabled flow): not run, but reported as disabled. */
  disabled: { id: string; type: string }[];
  /** Ids of the enabled triggers this runtime held back (`holds`) when it last applied the flow. */
  heldBack: string[];
}

const COMMON = new Set(Object.keys(TriggerCommonProperties));

const flowKey = (namespace: string, id: string): string => `${namespace}/${id}`;

/**
 * Starts and stops triggers as flows come and go. Changes are applied one at
 * a time, in the order asked.
 *
 * @example
 * const triggers = new TriggerRuntime({ engine, state: new SqliteTriggerStateStore(db) });
 * await triggers.sync(flows.list());
 * // …
 * await triggers.stop();
 */
export class TriggerRuntime {
  /** Between triggers and executions: bounded, shared by every trigger of this runtime. */
  readonly queue: TriggerQueue;
  private readonly flows = new Map<string, RunningFlow>();
  private readonly log: Logger;
  private readonly changeListeners = new Set<() => void>();
  private changes: Promise<void> = Promise.resolve();
  private stopped = false;

  constructor(private readonly options: TriggerRuntimeOptions) {
    this.log = (options.logger ?? silentLogger).child({ component: 'triggers' });
    this.queue = new TriggerQueue(options.queue);
  }

  /** Calls `listener` when a trigger fires, drops an event, logs an error or plans its next date; returns the unsubscribe function. */
  onChange(listener: () => void): () => void {
    this.changeListeners.add(listener);
    return () => this.changeListeners.delete(listener);
  }

  /** The context of a trigger running for this revision of the flow, for events that reach it from outside (a webhook call). */
  context(record: FlowRecord, triggerId: string): RuntimeTriggerContext | undefined {
    const running = this.flows.get(flowKey(record.flow.namespace, record.flow.id));
    if (!running || running.record.revision !== record.revision) return undefined;
    const trigger = running.triggers.find((t) => t.id === triggerId);
    return trigger?.handle ? trigger.context : undefined;
  }

  /**
   * Every trigger that runs (or failed to start), with what it has done since
   * it started, and every trigger its flow's revision disables, marked
   * `disabled`: so whoever reads the status sees a disabled trigger as
   * disabled here, at that revision, rather than not at all.
   */
  status(): TriggerStatus[] {
    return [...this.flows.values()].flatMap(({ record, triggers, disabled }) => [
      ...triggers.map(({ id, type, stats }) => {
        const status: TriggerStatus = {
          namespace: record.flow.namespace,
          flowId: record.flow.id,
          triggerId: id,
          type,
          revision: record.revision,
          fired: stats.fired,
          dropped: stats.dropped,
        };
        if (stats.lastFiredAt !== undefined) status.lastFiredAt = iso(stats.lastFiredAt);
        if (stats.lastExecutionId !== undefined) status.lastExecutionId = stats.lastExecutionId;
        if (stats.next !== undefined) status.next = iso(stats.next);
        if (stats.lastError)
          status.lastError = { at: iso(stats.lastError.at), message: stats.lastError.message };
        return status;
      }),
      ...disabled.map(({ id, type }) => ({
        namespace: record.flow.namespace,
        flowId: record.flow.id,
        triggerId: id,
        type,
        revision: record.revision,
        disabled: true,
        fired: 0,
        dropped: 0,
      })),
    ]);
  }

  /** Makes `records` the whole set of flows whose triggers run. */
  sync(records: readonly FlowRecord[]): Promise<void> {
    return this.enqueue(async () => {
      const wanted = new Map(records.map((r) => [flowKey(r.flow.namespace, r.flow.id), r]));
      for (const [key, running] of [...this.flows]) {
        if (!wanted.has(key)) await this.remove(key, running);
      }
      for (const [key, record] of wanted) await this.apply(key, record);
    });
  }

  /** Applies one flow's change: a new record, or undefined when it is gone. */
  update(namespace: string, id: string, record: FlowRecord | undefined): Promise<void> {
    return this.enqueue(async () => {
      const key = flowKey(namespace, id);
      const running = this.flows.get(key);
      if (record) await this.apply(key, record);
      else if (running) await this.remove(key, running);
    });
  }

  /** Applies every flow again after `holds` changed its answer: starts the triggers now held, stops the others. */
  reconsider(): Promise<void> {
    return this.enqueue(async () => {
      for (const [key, running] of [...this.flows]) await this.apply(key, running.record);
    });
  }

  /** What runs now. */
  list(): RunningTriggerInfo[] {
    return [...this.flows.values()].flatMap(({ record, triggers }) =>
      triggers.map((t) => ({
        namespace: record.flow.namespace,
        flowId: record.flow.id,
        triggerId: t.id,
        type: t.type,
        revision: record.revision,
      })),
    );
  }

  /** Stops every trigger, keeping their state for the next start; later changes are ignored. */
  stop(): Promise<void> {
    const done = this.enqueue(async () => {
      for (const running of this.flows.values()) await this.stopAll(running);
      this.flows.clear();
    });
    this.stopped = true;
    return done;
  }

  private enqueue(step: () => Promise<void>): Promise<void> {
    if (this.stopped) return this.changes;
    this.changes = this.changes.then(step, step).catch((err: unknown) => {
      this.log.error({ err: messageOf(err) }, 'trigger change failed');
    });
    return this.changes;
  }

  private changed = (): void => {
    for (const listener of this.changeListeners) listener();
  };

  private async apply(key: string, record: FlowRecord): Promise<void> {
    const fingerprint = JSON.stringify(record.flow);
    const running = this.flows.get(key);
    const enabled = record.flow.disabled ? [] : (record.flow.triggers ?? []).filter((t) => !t.disabled);
    const heldBack = enabled.filter((t) => !this.held(t)).map((t) => t.id);
    if (
      running &&
      running.record.revision === record.revision &&
      running.fingerprint === fingerprint &&
      running.heldBack.join('\n') === heldBack.join('\n')
    )
      return;
    const previous = [...(running?.triggers.map((t) => t.id) ?? []), ...(running?.heldBack ?? [])];
    if (running) await this.stopAll(running);
    // State belongs to a trigger while it exists and is enabled: a removed or disabled one starts afresh.
    const kept = new Set(enabled.map((t) => t.id));
    for (const id of previous) if (!kept.has(id)) await this.clearState(scopeOf(record, id));
    for (const t of record.flow.triggers ?? [])
      if (!kept.has(t.id)) await this.clearState(scopeOf(record, t.id));
    const disabled = (record.flow.triggers ?? [])
      .filter((t) => !kept.has(t.id))
      .map((t) => ({ id: t.id, type: this.options.engine.registry.trigger(t.type)?.type ?? t.type }));
    if (enabled.length === 0 && disabled.length === 0) this.flows.delete(key);
    else {
      const next: RunningFlow = { record, fingerprint, triggers: [], disabled, heldBack };
      this.flows.set(key, next);
      const skipped = new Set(heldBack);
      for (const trigger of enabled) {
        if (skipped.has(trigger.id)) continue;
        const started = await this.start(record, trigger);
        if (started) next.triggers.push(started);
      }
    }
    // What runs changed, or its revision did: the status tells it.
    this.changed();
  }

  /** Whether this runtime runs `trigger` now (an unknown type is started, to be logged as unknown). */
  private held(trigger: Trigger): boolean {
    const holds = this.options.holds;
    if (!holds) return true;
    return holds(this.options.engine.registry.trigger(trigger.type)?.type ?? trigger.type);
  }

  private async remove(key: string, running: RunningFlow): Promise<void> {
    await this.stopAll(running);
    this.flows.delete(key);
    for (const t of running.triggers) await this.clearState(scopeOf(running.record, t.id));
    for (const id of running.heldBack) await this.clearState(scopeOf(running.record, id));
    this.changed();
  }

  private async start(record: FlowRecord, trigger: Trigger): Promise<RunningTrigger | undefined> {
    const { engine } = this.options;
    const scope = scopeOf(record, trigger.id);
    const log = this.log.child({
      namespace: scope.namespace,
      flowId: scope.flowId,
      triggerId: scope.triggerId,
      type: trigger.type,
    });
    const def = engine.registry.trigger(trigger.type);
    if (!def) {
      log.error({}, 'unknown trigger type; not started');
      return undefined;
    }
    const controller = new AbortController();
    const running: RunningTrigger = {
      id: trigger.id,
      type: def.type,
      controller,
      handle: undefined,
      stats: { fired: 0, dropped: 0 },
      context: undefined,
    };
    try {
      const loaded = await this.options.state.load(scope);
      const ctx = new RuntimeTriggerContext({
        engine,
        record,
        trigger,
        scope,
        loaded,
        store: this.options.state,
        logger: log,
        signal: controller.signal,
        refusal: this.options.refusal ?? (() => undefined),
        queue: this.queue,
        changed: this.changed,
      });
      running.stats = ctx.stats;
      running.context = ctx;
      running.handle = await def.start(pluginProperties(trigger, def, ctx), ctx);
      log.info({ revision: record.revision }, 'trigger started');
      return running;
    } catch (err) {
      controller.abort();
      log.error({ err: messageOf(err) }, 'trigger could not start');
      running.stats.lastError = { at: engine.clock.now(), message: `could not start: ${messageOf(err)}` };
      this.changed();
      // Kept in the list without a handle, so a later change of the flow is seen and retried.
      return running;
    }
  }

  private async stopAll(running: RunningFlow): Promise<void> {
    for (const t of running.triggers) {
      t.controller.abort();
      try {
        await t.handle?.stop();
      } catch (err) {
        this.log.warn({ triggerId: t.id, err: messageOf(err) }, 'trigger did not stop cleanly');
      }
    }
  }

  private async clearState(scope: TriggerScope): Promise<void> {
    try {
      await this.options.state.clear(scope);
    } catch (err) {
      this.log.error({ ...scope, err: messageOf(err) }, 'trigger state not cleared');
    }
  }
}

const iso = (ms: number): string => new Date(ms).toISOString();

function scopeOf(record: FlowRecord, triggerId: string): TriggerScope {
  return { namespace: record.flow.namespace, flowId: record.flow.id, triggerId };
}

/**
 * What `start` receives: the trigger entry without the common properties
 * (those the plugin declares itself excepted, such as the `flow` trigger's
 * Kestra `conditions`), rendered once, except its `raw` ones.
 */
function pluginProperties(
  trigger: Trigger,
  def: AnyTriggerDefinition,
  ctx: RuntimeTriggerContext,
): Record<string, unknown> {
  const declared = (def.properties as { properties?: Record<string, unknown> }).properties ?? {};
  const own = Object.entries(trigger).filter(([key]) => !COMMON.has(key) || key in declared);
  const raw = new Set(def.raw);
  const rendered = ctx.render(Object.fromEntries(own.filter(([key]) => !raw.has(key)))) as Record<
    string,
    unknown
  >;
  return { ...rendered, ...Object.fromEntries(own.filter(([key]) => raw.has(key))) };
}
