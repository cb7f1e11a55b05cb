/** Where Kestra's older state store keeps a state document: a key of the namespace's KV store. */
import { createHash } from 'node:crypto';
import { Type as T } from '@sinclair/typebox';
import { isValidId } from '../../protocol/ids.js';
import type { TaskContext } from '../../protocol/plugin.js';

/** The properties every state task shares (Kestra's AbstractState), with Kestra's defaults. */
export const stateProperties = {
  name: T.Optional(
    T.String({ minLength: 1, default: 'default', description: 'The name of the state document' }),
  ),
  namespace: T.Optional(
    T.Boolean({
      default: false,
      description: "Share the state with every flow of the namespace; by default it is the flow's own",
    }),
  ),
  taskrunValue: T.Optional(
    T.Boolean({
      default: true,
      description: 'Keep one state per `taskrun.value` (per iteration of a loop); false shares one for all',
    }),
  ),
};

export interface StateOptions {
  name?: string;
  namespace?: boolean;
  taskrunValue?: boolean;
}

/**
 * The KV key of a state document in the flow's namespace: `tasks-states.<flow or _namespace>.<name>`,
 * then a hash of the task run's value when states are kept per value. A name that is not a valid key
 * is hashed too, so that any name Kestra accepts has a key.
 *
 * @example stateKey({ name: 'seen' }, ctx) // 'tasks-states.my-flow.seen'
 */
export function stateKey(options: StateOptions, ctx: TaskContext): string {
  const name = options.name ?? 'default';
  const owner = options.namespace ? '_namespace' : ctx.execution.flowId;
  const value = options.taskrunValue !== false ? ctx.taskRun.value : null;
  const nameKey = isValidId(name) && !name.includes('.') ? name : hash(name);
  return `tasks-states.${owner}.${nameKey}${value === null ? '' : `.${hash(value)}`}`;
}

function hash(text: string): string {
  return createHash('sha256').update(text).digest('hex').slice(0, 32);
}

/** The state document under `key`, or undefined when there is none. */
export function readState(key: string, ctx: TaskContext): Record<string, unknown> | undefined {
  const value = ctx.kv.get(ctx.execution.namespace, key);
  return typeof value === 'object' && value !== null ? (value as Record<string, unknown>) : undefined;
}
