/**
 * The context one running trigger gets: its durable state, a logger, and
 * `fire`, which applies the trigger's conditions, inputs and labels and asks
 * the engine for an execution.
 */

import { InputValidationError } from '../../protocol/errors.js';
import type { Execution } from '../../protocol/execution.js';
import { labelMap, type Trigger } from '../../protocol/flow.js';
import type { Logger } from '../../protocol/logger.js';
import type {
  FiredExecution,
  FireOptions,
  FireOutcome,
  PluginClock,
  PluginHost,
  TaskLogger,
  TriggerContext,
  TriggerState,
} from '../../protocol/plugin.js';
import type { Engine } from '../engine/engine.js';
import { messageOf } from '../engine/errors.js';
import type { FlowRecord } from '../engine/ports.js';
import type { ExpressionFunctions } from '../expr/index.js';
import { firstFailing } from './conditions.js';
import type { TriggerScope, TriggerStateStore } from './ports.js';
import type { TriggerQueue } from './queue.js';

/** Prefix of the state keys `fire` keeps for deduplication. */
const DEDUPE_PREFIX = 'dedupe:';

/** Values remembered per dedupe key, newest first. */
export const DEDUPE_HISTORY = 16;

export interface TriggerContextParts {
  engine: Engine;
  record: FlowRecord;
  trigger: Trigger;
  scope: TriggerScope;
  /** The trigger's state as loaded when it started. */
  loaded: Map<string, unknown>;
  store: TriggerStateStore;
  logger: Logger;
  signal: AbortSignal;
  /** Why new executions may not start now, or undefined. */
  refusal: () => string | undefined;
  /** The runtime's bounded queue between triggers and executions. */
  queue: TriggerQueue;
  /** Told when the trigger's {@link TriggerStats} change. */
  changed: () => void;
}

/** What a trigger has done since it started, for its status. Times are ms since the epoch. */
export interface TriggerStats {
  fired: number;
  dropped: number;
  lastFiredAt?: number;
  lastExecutionId?: string;
  next?: number;
  lastError?: { at: number; message: string };
}

/** State read from memory, written through to the store. */
class CachedTriggerState implements TriggerState {
  constructor(
    private readonly entries: Map<string, unknown>,
    private readonly write: (key: string, value: unknown) => void,
  ) {}

  get(key: string): unknown {
    const value = this.entries.get(key);
    return value === undefined ? undefined : structuredClone(value);
  }

  keys(): string[] {
    return [...this.entries.keys()];
  }

  set(key: string, value: unknown): void {
    this.put(key, value === undefined ? undefined : structuredClone(value));
  }

  /** The value as it is, without a copy: for values nobody else holds. */
  peek(key: string): unknown {
    return this.entries.get(key);
  }

  /** Sets a value nobody else holds, without a copy. */
  put(key: string, value: unknown): void {
    if (value === undefined) this.entries.delete(key);
    else this.entries.set(key, value);
    this.write(key, value);
  }
}

const LOG_METHOD = { TRACE: 'debug', DEBUG: 'debug', INFO: 'info', WARN: 'warn', ERROR: 'error' } as const;

/** The trigger's logger; warnings and errors are also kept as its last error. */
function taskLogger(log: Logger, noteError: (message: string) => void): TaskLogger {
  const at = (level: keyof typeof LOG_METHOD) => (message: string) => {
    if (level === 'WARN' || level === 'ERROR') noteError(message);
    log[LOG_METHOD[level]]({}, message);
  };
  return {
    log: (level, message) => at(level)(message),
    debug: at('DEBUG'),
    info: at('INFO'),
    warn: at('WARN'),
    error: at('ERROR'),
  };
}

/** The context of one trigger for as long as it runs. */
export class RuntimeTriggerContext implements TriggerContext {
  readonly flow: TriggerContext['flow'];
  readonly trigger: TriggerContext['trigger'];
  readonly agent: TriggerContext['agent'];
  readonly logger: TaskLogger;
  readonly signal: AbortSignal;
  readonly clock: PluginClock;
  readonly state: CachedTriggerState;
  readonly host: PluginHost;
  readonly stats: TriggerStats = { fired: 0, dropped: 0 };
  private readonly functions: ExpressionFunctions;
  /** While one event's inputs and labels render: the secret values they read, to be masked in the execution. */
  private secretsRead: string[] | undefined;
  private readonly base: Record<string, unknown>;
  private refusedLogged = false;
  private droppedLogged = false;

  constructor(private readonly parts: TriggerContextParts) {
    const { engine, record, trigger, scope, store } = parts;
    this.flow = { namespace: record.flow.namespace, id: record.flow.id, revision: record.revision };
    this.trigger = { id: trigger.id, type: trigger.type };
    this.agent = engine.agent;
    this.logger = taskLogger(parts.logger, (message) => this.noteError(message));
    this.signal = parts.signal;
    this.clock = engine.clock;
    this.host = engine.host;
    const notSaved = (key: string, err: unknown) =>
      parts.logger.error({ key, err: messageOf(err) }, 'trigger state not saved');
    this.state = new CachedTriggerState(parts.loaded, (key, value) => {
      try {
        store.save(scope, key, value)?.catch((err: unknown) => notSaved(key, err));
      } catch (err) {
        notSaved(key, err);
      }
    });
    const namespace = record.flow.namespace;
    this.functions = {
      secret: (name: string) => {
        const value = engine.secrets.get(name, namespace);
        if (value !== undefined) this.secretsRead?.push(value);
        return value;
      },
      kv: (key: string, ns?: string) => engine.store.kv.get(ns ?? namespace, key),
    };
    this.base = {
      flow: { ...this.flow },
      agent: engine.agent,
      labels: labelMap(record.flow.labels),
    };
  }

  render(value: unknown, extra?: Record<string, unknown>): unknown {
    const variables = extra ? { ...this.base, ...extra } : this.base;
    return this.parts.engine.renderer.render(value, variables, this.functions);
  }

  evaluate(expression: string, extra?: Record<string, unknown>): unknown {
    const variables = extra ? { ...this.base, ...extra } : this.base;
    return this.parts.engine.renderer.evaluate(expression, variables, this.functions);
  }

  setNext(next: number | undefined): void {
    if (this.stats.next === next) return;
    this.stats.next = next;
    this.parts.changed();
  }

  room(): Promise<void> | undefined {
    return this.parts.queue.room();
  }

  /** Keeps `message` as the trigger's last error. */
  noteError(message: string): void {
    this.stats.lastError = { at: this.clock.now(), message };
    this.parts.changed();
  }

  private history(key: string): string[] {
    return historyOf(this.state.peek(key));
  }

  activeExecutions(): number {
    return this.parts.engine.activeOf(this.flow.namespace, this.flow.id);
  }

  flowIdle(): Promise<void> {
    return this.parts.engine.flowIdle(this.flow.namespace, this.flow.id);
  }

  async fire(
    variables: Record<string, unknown>,
    options: FireOptions = {},
  ): Promise<FiredExecution | undefined> {
    const outcome = await this.tryFire(variables, options);
    return outcome.kind === 'STARTED' ? outcome.fired : undefined;
  }

  async tryFire(variables: Record<string, unknown>, options: FireOptions = {}): Promise<FireOutcome> {
    const { engine, record, trigger, logger } = this.parts;
    if (this.signal.aborted) return { kind: 'REFUSED', reason: 'the trigger is stopping' };
    const refusal = this.parts.refusal();
    if (refusal) {
      if (!this.refusedLogged)
        logger.warn({ reason: refusal }, 'trigger event dropped: no new execution now');
      this.refusedLogged = true;
      return { kind: 'REFUSED', reason: refusal };
    }
    this.refusedLogged = false;
    const dedupeKey = options.dedupeKey === undefined ? undefined : DEDUPE_PREFIX + options.dedupeKey;
    const dedupeValue = options.dedupeValue ?? '';
    const history = dedupeKey ? this.history(dedupeKey) : [];
    if (dedupeKey && options.dropRepeat !== false && history.includes(dedupeValue)) {
      logger.debug({ dedupeKey: options.dedupeKey }, 'trigger event already fired; dropped');
      return { kind: 'DUPLICATE', reason: 'this event has already started an execution' };
    }
    let inputs: Record<string, unknown> | undefined;
    let labels: Record<string, string> | undefined;
    const secretsRead: string[] = [];
    this.secretsRead = secretsRead;
    try {
      // Most triggers have none of these: no scope is made for them.
      if (trigger.conditions?.length || trigger.inputs || trigger.labels) {
        const scope = { ...this.base, trigger: variables };
        const failing = firstFailing(trigger.conditions, engine.renderer, scope, this.functions);
        if (failing !== undefined) {
          logger.debug({ condition: failing }, 'trigger condition not met');
          return { kind: 'SKIPPED', reason: `condition not met: ${failing}` };
        }
        if (trigger.inputs)
          inputs = engine.renderer.render(trigger.inputs, scope, this.functions) as typeof inputs;
        if (trigger.labels) labels = stringMap(engine.renderer.render(trigger.labels, scope, this.functions));
      }
    } catch (err) {
      logger.warn({ err: messageOf(err) }, 'trigger conditions, inputs or labels failed; no execution');
      this.noteError(`conditions, inputs or labels failed: ${messageOf(err)}`);
      return { kind: 'INVALID', reason: messageOf(err) };
    } finally {
      this.secretsRead = undefined;
    }
    const { queue } = this.parts;
    const admitted = queue.enter();
    if (admitted === false || (admitted !== true && !(await admitted))) return this.drop();
    this.droppedLogged = false;
    let execution: Execution;
    try {
      execution = await engine.start(record, {
        inputs,
        labels,
        secrets: secretsRead,
        trigger: variables,
        onEnd: () => queue.leave(),
      });
    } catch (err) {
      queue.leave();
      if (err instanceof InputValidationError) {
        logger.warn({ err: err.message }, 'trigger inputs do not fit the flow; no execution');
        this.noteError(`inputs do not fit the flow: ${err.message}`);
        return { kind: 'INVALID', reason: err.message, details: err.problems };
      }
      logger.error({ err: messageOf(err) }, 'trigger could not start an execution');
      this.noteError(`could not start an execution: ${messageOf(err)}`);
      return { kind: 'FAILED', reason: messageOf(err) };
    }
    if (dedupeKey && history[0] !== dedupeValue) {
      const next = [dedupeValue, ...history.filter((v) => v !== dedupeValue)].slice(0, DEDUPE_HISTORY);
      this.state.put(dedupeKey, next);
    }
    const { stats } = this;
    stats.fired++;
    stats.lastFiredAt = this.clock.now();
    stats.lastExecutionId = execution.id;
    this.parts.changed();
    return { kind: 'STARTED', fired: new Fired(engine, execution) };
  }

  /** The queue is full: the event is dropped and counted; the first of a run of drops is logged. */
  private drop(): FireOutcome {
    this.stats.dropped++;
    const { capacity, whenFull } = this.parts.queue.options;
    const reason = `the trigger queue is full (${capacity} executions, whenFull: ${whenFull}); event dropped`;
    if (!this.droppedLogged) {
      this.parts.logger.warn({ capacity, whenFull }, 'trigger queue full: events are dropped');
      this.noteError(reason);
    } else this.parts.changed();
    this.droppedLogged = true;
    return { kind: 'REFUSED', reason };
  }
}

/** An execution a trigger started (a class: one is made per event). */
class Fired implements FiredExecution {
  readonly executionId: string;
  private copy: Execution | undefined;

  constructor(
    private readonly engine: Engine,
    private readonly started: Execution,
  ) {
    this.executionId = started.id;
  }

  get execution(): Execution {
    this.copy ??= structuredClone(this.started);
    return this.copy;
  }

  stored(): Promise<void> {
    return this.engine.store.flush();
  }

  ended(): Promise<Execution> {
    return this.engine.wait(this.executionId);
  }
}

/** Values fired under a dedupe key, newest first (as kept, when that is a list of strings). */
function historyOf(value: unknown): string[] {
  if (!Array.isArray(value)) return [];
  return value.every((v) => typeof v === 'string') ? value : value.filter((v) => typeof v === 'string');
}

/** Labels rendered from templates: every value as text. */
function stringMap(value: unknown): Record<string, string> {
  if (typeof value !== 'object' || value === null) return {};
  return Object.fromEntries(
    Object.entries(value).map(([k, v]) => [k, typeof v === 'string' ? v : String(v)]),
  );
}
