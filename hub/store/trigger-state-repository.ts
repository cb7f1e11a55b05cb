/** The hub's trigger state in PostgreSQL (`trigger_state`), written in the order asked. */
import { and, eq } from 'drizzle-orm';
import type { TriggerScope, TriggerStateStore } from '../../runtime/triggers/ports.js';
import type { Db } from './db.js';
import { triggerState } from './schema.js';

/**
 * {@link TriggerStateStore} on drizzle. Writes go one after another through a
 * chain, so two quick changes of one key land in the order they were made.
 *
 * @example
 * const state = new DrizzleTriggerStateRepository(db);
 * await state.save({ namespace: 'plant', flowId: 'report', triggerId: 'nightly' }, 'until', Date.now());
 */
export class DrizzleTriggerStateRepository implements TriggerStateStore {
  private chain: Promise<unknown> = Promise.resolve();

  constructor(private readonly db: Db) {}

  async load(scope: TriggerScope): Promise<Map<string, unknown>> {
    await this.chain.catch(() => undefined);
    const rows = await this.db
      .select({ key: triggerState.key, value: triggerState.value })
      .from(triggerState)
      .where(matches(scope));
    return new Map(rows.map((r) => [r.key, r.value]));
  }

  save(scope: TriggerScope, key: string, value: unknown): Promise<void> {
    return this.inOrder(async () => {
      if (value === undefined) {
        await this.db.delete(triggerState).where(and(matches(scope), eq(triggerState.key, key)));
        return;
      }
      await this.db
        .insert(triggerState)
        .values({ ...scope, key, value })
        .onConflictDoUpdate({
          target: [triggerState.namespace, triggerState.flowId, triggerState.triggerId, triggerState.key],
          set: { value },
        });
    });
  }

  clear(scope: TriggerScope): Promise<void> {
    return this.inOrder(async () => {
      await this.db.delete(triggerState).where(matches(scope));
    });
  }

  private inOrder(step: () => Promise<void>): Promise<void> {
    const next = this.chain.then(step);
    this.chain = next.catch(() => undefined);
    return next;
  }
}

function matches(scope: TriggerScope) {
  return and(
    eq(triggerState.namespace, scope.namespace),
    eq(triggerState.flowId, scope.flowId),
    eq(triggerState.triggerId, scope.triggerId),
  );
}
