/** The trigger runtime's storage port: durable state per trigger, SQLite on an agent, PostgreSQL on the hub. */

/** Which trigger a piece of state belongs to. */
export interface TriggerScope {
  readonly namespace: string;
  readonly flowId: string;
  readonly triggerId: string;
}

/**
 * Durable key-value state of triggers. Reads happen once, when a trigger
 * starts; writes are queued by the store and made durable in order.
 */
export interface TriggerStateStore {
  /** Every key of one trigger, with its JSON value. */
  load(scope: TriggerScope): Promise<Map<string, unknown>> | Map<string, unknown>;
  /** Stores one key (`undefined` deletes it). */
  save(scope: TriggerScope, key: string, value: unknown): Promise<void> | void;
  /** Forgets everything of one trigger: it was removed or disabled. */
  clear(scope: TriggerScope): Promise<void> | void;
}
