/** trigger.Toggle on an agent: the trigger switched here at once, and the hub told through the outbox. */
import type { Database, Statement } from 'better-sqlite3';
import { TernError } from '../protocol/errors.js';
import type { Flow } from '../protocol/flow.js';
import type { TriggerToggle } from '../protocol/messages.js';
import type { TriggerSwitch } from '../protocol/plugin.js';
import type { FlowRecord } from '../runtime/engine/ports.js';

/** What the toggles need of the agent: its flows, its outbox, and its trigger runtime. */
export interface TriggerTogglesOptions {
  /** The agent's store database, to read the toggles still in the outbox at start. */
  database: Database;
  /** The flow the agent runs now, by namespace and id. */
  flow(namespace: string, id: string): FlowRecord | undefined;
  /** Appends the record to the outbox, after the changes queued before it. */
  append(toggle: TriggerToggle): void;
  /** Restarts one flow's triggers as `record` says. */
  update(record: FlowRecord): Promise<void>;
}

interface Override {
  revision: number;
  disabled: boolean;
}

const keyOf = (namespace: string, flowId: string, triggerId: string) => `${namespace}/${flowId}/${triggerId}`;

/**
 * The triggers a trigger.Toggle switched on this agent, over the revisions the hub sent: each holds
 * for the revision it was switched at, until the hub's next revision of that flow (which carries the
 * switch once the hub has applied the outbox record) replaces it. The outbox record is the durable
 * part: after a restart, the toggles still in the outbox are read again, and those the hub has
 * acknowledged are in the revision it sends.
 *
 * @example
 * const toggles = new TriggerToggles({ database, flow, append, update });
 * await triggers.sync(toggles.over(flows.list()));
 * host.triggers = toggles;
 */
export class TriggerToggles implements TriggerSwitch {
  private readonly overrides = new Map<string, Override>();

  constructor(private readonly options: TriggerTogglesOptions) {
    const pending: Statement<[], { payload: string }> = options.database.prepare(
      "SELECT payload FROM outbox WHERE kind = 'triggerToggle' ORDER BY seq",
    );
    for (const { payload } of pending.all()) {
      const t = JSON.parse(payload) as TriggerToggle;
      this.overrides.set(keyOf(t.namespace, t.flowId, t.triggerId), {
        revision: t.revision,
        disabled: t.disabled,
      });
    }
  }

  /** `records` with the triggers switched here applied; a switch made at another revision is forgotten. */
  over(records: readonly FlowRecord[]): FlowRecord[] {
    if (this.overrides.size === 0) return [...records];
    const current = new Map(records.map((r) => [`${r.flow.namespace}/${r.flow.id}`, r.revision]));
    for (const [key, o] of this.overrides) {
      const revision = current.get(key.slice(0, key.lastIndexOf('/')));
      if (revision !== o.revision) this.overrides.delete(key);
    }
    return records.map((r) => this.switched(r));
  }

  async setDisabled(
    namespace: string,
    flowId: string,
    triggerId: string,
    disabled: boolean,
    by?: { executionId: string },
  ): Promise<void> {
    const record = this.options.flow(namespace, flowId);
    if (!record)
      throw new TernError(
        'NOT_FOUND',
        `flow ${namespace}.${flowId} does not run on this agent: on an agent, trigger.Toggle switches the triggers of its own flows; switch this one on the hub (PUT /flows/${namespace}/${flowId}/triggers/${triggerId})`,
      );
    if (!record.flow.triggers?.some((t) => t.id === triggerId))
      throw new TernError('NOT_FOUND', `flow ${namespace}.${flowId} has no trigger ${triggerId}`);
    this.options.append({
      namespace,
      flowId,
      triggerId,
      disabled,
      revision: record.revision,
      executionId: by?.executionId ?? '-',
    });
    this.overrides.set(keyOf(namespace, flowId, triggerId), { revision: record.revision, disabled });
    await this.options.update(this.switched(record));
  }

  /** The record with this revision's switched triggers set as switched. */
  private switched(record: FlowRecord): FlowRecord {
    const { namespace, id, triggers } = record.flow;
    if (!triggers) return record;
    let changed = false;
    const next = triggers.map((t) => {
      const o = this.overrides.get(keyOf(namespace, id, t.id));
      if (!o || o.revision !== record.revision || (t.disabled === true) === o.disabled) return t;
      changed = true;
      return { ...t, disabled: o.disabled };
    });
    if (!changed) return record;
    const flow: Flow = { ...record.flow, triggers: next };
    return { ...record, flow };
  }
}
