/** `loop`: Kestra 2's Loop — its tasks once per value, each iteration on its own, with `item` and declared outputs. */
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { Type as T } from '@sinclair/typebox';
import { forEachLimit } from '../../protocol/concurrency.js';
import { FlowOutputSchema } from '../../protocol/flow.js';
import { defineTask, type IterationResult, type TaskContext, TaskList } from '../../protocol/plugin.js';
import { flowableState, isFailure, mergeStates, type State } from '../../protocol/states.js';
import { isTruthy } from '../../protocol/values.js';
import { type LoopEntry, loopEntries, valuesAreStored } from './loop-values.js';

export default defineTask({
  type: 'loop',
  aliases: ['io.kestra.plugin.core.flow.Loop'],
  title: 'Loop',
  description:
    "Runs `tasks` once per value of `values` (a list, a map, JSON text of one, or the URI of a stored file of one value a line); repeated values run once. Inside, `item.value` is the value as text, `item.index` its place from 0, `item.key` its key when `values` is a map, and in nested loops `item.parent` and `item.parents` (outermost first) are the enclosing iterations'. Each iteration stands alone: `outputs.<t>` of a task in the loop reads this iteration's. `concurrencyLimit` iterations run at once (0, the default: all). With `transmitFailed` (default true) a failed iteration fails the loop and no further one starts; with false the loop succeeds whatever its iterations did. `outputs` (as a flow's: `id`, `type`, `value`) are rendered in each iteration after its tasks — a render that fails fails the iteration — and listed in `outputs.<id>.outputs` as `{item: {value, iteration, key}, outputs}`, in iteration order; with `fetchType: STORE` (or AUTO when `values` is a stored file) each iteration's are stored, as `{uri}`. `breakWhen`, rendered after each iteration with `item` and `iteration.state`/`iteration.outputs`, starts no further iteration once true. The loop's outputs: `iterationCount`, `runningIterations` (0 once ended), `terminatedIterations` (count by end state).",
  properties: T.Object({
    values: T.Unknown({ description: 'A list, a map, JSON text of one, or the URI of a stored file' }),
    concurrencyLimit: T.Optional(T.Integer({ minimum: 0, default: 0 })),
    transmitFailed: T.Optional(T.Boolean({ default: true })),
    outputs: T.Optional(T.Array(FlowOutputSchema, { description: "Each iteration's outputs, as a flow's" })),
    fetchType: T.Optional(
      T.Union([T.Literal('AUTO'), T.Literal('FETCH'), T.Literal('STORE')], {
        default: 'AUTO',
        description: "STORE keeps each iteration's outputs in a stored file; AUTO does when `values` is one",
      }),
    ),
    breakWhen: T.Optional(
      T.String({ description: 'Rendered after each iteration; once true, no more start' }),
    ),
    tasks: TaskList({ minItems: 1 }),
  }),
  children: ['tasks'],
  // Rendered in each iteration, not when the loop starts.
  raw: ['outputs', 'breakWhen'],
  outputs: T.Object({
    iterationCount: T.Integer(),
    runningIterations: T.Integer(),
    terminatedIterations: T.Record(T.String(), T.Integer(), { description: 'Iterations by end state' }),
    outputs: T.Optional(T.Array(T.Unknown(), { description: '`{item, outputs}` of each iteration' })),
  }),
  examples: [
    {
      title: 'One task per value, their results gathered',
      code: '- id: each_site\n  type: loop\n  values: [north, south]\n  outputs:\n    - id: greeting\n      type: STRING\n      value: "{{ outputs.hello.value }}"\n  tasks:\n    - id: hello\n      type: io.kestra.plugin.core.debug.Return\n      format: "hello {{ item.value }}"\n- id: all\n  type: log\n  message: "{{ loopOutputs(outputs.each_site.outputs, \'greeting\') }}"',
    },
  ],
  async run(props, ctx) {
    const entries = await loopEntries(ctx, props.values);
    const transmitFailed = props.transmitFailed ?? true;
    const store =
      props.fetchType === 'STORE' || (props.fetchType !== 'FETCH' && valuesAreStored(ctx, props.values));
    const ended: { index: number; entry: LoopEntry; result: IterationResult }[] = [];
    await forEachLimit(entries, props.concurrencyLimit ?? 0, async (entry, index) => {
      const result = await ctx.runIteration(props.tasks, {
        key: String(index),
        index,
        value: entry.value,
        ...(entry.key !== undefined && { mapKey: entry.key }),
        ...(props.outputs && { outputs: props.outputs }),
      });
      if (result.error) ctx.logger.error(result.error);
      ended.push({ index, entry, result });
      if (isFailure(result.state) && transmitFailed) return true;
      return props.breakWhen !== undefined && isTruthy(breakWhen(ctx, props.breakWhen, index, entry, result));
    });
    ended.sort((a, b) => a.index - b.index);
    const states = ended.map((e) => e.result.state);
    const outputs: Record<string, unknown> = {
      iterationCount: entries.length,
      runningIterations: 0,
      terminatedIterations: countByState(states),
    };
    if (props.outputs) {
      outputs.outputs = await Promise.all(
        ended.map(async ({ index, entry, result }) => ({
          item: { value: entry.value, iteration: index, ...(entry.key !== undefined && { key: entry.key }) },
          outputs: store ? { uri: await stored(ctx, index, result.outputs ?? {}) } : (result.outputs ?? {}),
        })),
      );
    }
    const merged = mergeStates(states);
    const state = transmitFailed
      ? flowableState(merged)
      : isFailure(merged)
        ? 'SUCCESS'
        : flowableState(merged);
    return { state, outputs };
  },
});

function breakWhen(
  ctx: TaskContext,
  condition: string,
  index: number,
  entry: LoopEntry,
  result: IterationResult,
): unknown {
  const item = { value: entry.value, index, ...(entry.key !== undefined && { key: entry.key }) };
  const iteration = { executionId: ctx.execution.id, state: result.state, outputs: result.outputs ?? {} };
  return ctx.render(condition, { item, iteration });
}

function countByState(states: readonly State[]): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const state of states) counts[state] = (counts[state] ?? 0) + 1;
  return counts;
}

/** One iteration's outputs in a stored file (JSON, which Kestra's ION readers read too); its URI. */
async function stored(ctx: TaskContext, index: number, outputs: Record<string, unknown>): Promise<string> {
  const name = `iteration-${index}.ion`;
  const path = join(await ctx.workingDir(), name);
  await writeFile(path, JSON.stringify(outputs));
  return ctx.storage.put(ctx.execution.id, ctx.taskRun.id, name, path);
}
