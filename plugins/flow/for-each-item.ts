/** `forEachItem`: splits a file of items into batches and runs one subflow execution per batch. */
import { stat, writeFile } from 'node:fs/promises';
import { extname, isAbsolute, join } from 'node:path';
import { Type as T } from '@sinclair/typebox';
import { TaskError } from '../../protocol/errors.js';
import { defineTask, type SubflowResult, type TaskContext, TaskList } from '../../protocol/plugin.js';
import { isFailure } from '../../protocol/states.js';
import { ScheduleDate, scheduleIso } from './schedule-date.js';
import { readItems, splitLines, writeBatches } from './split-items.js';

const Batch = T.Object(
  {
    rows: T.Optional(T.Integer({ minimum: 1, default: 1, description: 'Items per batch' })),
    bytes: T.Optional(
      T.Union([T.String(), T.Integer({ minimum: 1 })], { description: 'Batch size, e.g. 10MB' }),
    ),
    partitions: T.Optional(T.Integer({ minimum: 1, description: 'Number of batches, filled in turn' })),
    separator: T.Optional(T.String({ default: '\n', description: 'Written after each item' })),
  },
  { additionalProperties: false },
);

const Labels = T.Union([
  T.Record(T.String(), T.String()),
  T.Array(T.Object({ key: T.String(), value: T.String() }, { additionalProperties: false })),
]);

export default defineTask({
  type: 'forEachItem',
  aliases: ['io.kestra.plugin.core.flow.ForEachItem', 'io.kestra.core.tasks.flows.ForEachItem'],
  title: 'For each item',
  description:
    'Splits the file `items` (a stored file’s URI, or a FILE input; one item per line, such as JSON lines) into batches — `batch.rows` items each (1 by default), or `batch.bytes` bytes each, or `batch.partitions` batches — and starts one execution of the subflow `namespace`.`flowId` per batch, all at once. `inputs` are rendered per batch, with `taskrun.items` the URI of the batch’s file and `taskrun.iteration` its index. With `wait` (default true) the task waits for every execution and, with `transmitFailed` (default true), fails if one of them fails; `errors` run then. Outputs: `splits` (a file of the batches’ URIs), `numberOfBatches`, `iterations` (how many executions ended in each state) and `uri`, a file of the subflows’ outputs, one JSON line per batch in batch order (when they have outputs); as in Kestra, they are also read as `outputs.<id>_split.splits`, `outputs.<id>_items.iterations` and `outputs.<id>_merge.subflowOutputs`. When it failed, `executions` says which execution ran each batch, and a restart (or a retry) restarts the failed ones where they failed and keeps the others (`restartBehavior: RETRY_FAILED`, the default), or, with `NEW_EXECUTION`, starts every batch again; with `inheritLabels` each subflow execution gets this execution’s labels (not the `system.` ones), `labels` set over them; with `scheduleDate` the executions are created at once and start running at that date.',
  properties: T.Object({
    items: T.String({
      minLength: 1,
      description: 'URI of the file of items, e.g. {{ outputs.extract.uri }}',
    }),
    batch: T.Optional(Batch),
    namespace: T.String({ minLength: 1 }),
    flowId: T.String({ minLength: 1 }),
    revision: T.Optional(T.Integer({ minimum: 1 })),
    inputs: T.Optional(
      T.Record(T.String(), T.Unknown(), { description: 'Rendered per batch: `{{ taskrun.items }}`' }),
    ),
    labels: T.Optional(Labels),
    wait: T.Optional(T.Boolean({ default: true })),
    transmitFailed: T.Optional(T.Boolean({ default: true })),
    inheritLabels: T.Optional(T.Boolean({ default: false })),
    restartBehavior: T.Optional(T.Union([T.Literal('RETRY_FAILED'), T.Literal('NEW_EXECUTION')])),
    scheduleDate: T.Optional(ScheduleDate),
    errors: T.Optional(TaskList()),
  }),
  children: ['errors'],
  raw: ['inputs'],
  outputs: T.Object({
    splits: T.String({ description: "A file of the batches' URIs, one per line" }),
    numberOfBatches: T.Integer(),
    iterations: T.Record(T.String(), T.Integer(), { description: 'Executions by state, e.g. {SUCCESS: 3}' }),
    uri: T.Optional(T.String({ description: "The subflows' outputs, one JSON line per batch" })),
  }),
  examples: [
    {
      title: 'One execution per line',
      code: '- id: each\n  type: forEachItem\n  items: "{{ outputs.extract.outputFiles[\'orders.jsonl\'] }}"\n  batch:\n    rows: 100\n  namespace: shop\n  flowId: process-orders\n  inputs:\n    orders: "{{ taskrun.items }}"',
    },
  ],
  // Kestra runs the task as three steps, `<id>_split`, `<id>_items` and `<id>_merge`, and flows read their outputs.
  siblingOutputs: (outputs) => ({
    _split: { splits: outputs.splits },
    _items: { numberOfBatches: outputs.numberOfBatches, iterations: outputs.iterations },
    ...(outputs.uri === undefined ? {} : { _merge: { subflowOutputs: outputs.uri } }),
  }),
  async run(props, ctx) {
    const source = await itemsFile(ctx, props.items);
    const separator = props.batch?.separator ?? '\n';
    const batches = splitLines(await readItems(source), props.batch ?? {});
    const paths = await writeBatches(
      join(await ctx.workingDir(), 'batches'),
      batches,
      extname(source),
      separator,
    );
    const uris: string[] = [];
    for (const [i, path] of paths.entries())
      uris.push(
        await ctx.storage.put(ctx.execution.id, ctx.taskRun.id, `batches/${i}${extname(source)}`, path),
      );
    const wait = props.wait ?? true;
    const labels = labelMap(props.labels);
    const scheduleDate = scheduleIso(props.scheduleDate);
    const results = await Promise.all(
      uris.map((items, iteration) =>
        ctx.runSubflow({
          namespace: props.namespace,
          flowId: props.flowId,
          revision: props.revision,
          inputs: ctx.render(props.inputs ?? {}, {
            taskrun: { id: ctx.taskRun.id, value: ctx.taskRun.value, iteration, items },
          }) as Record<string, unknown>,
          labels,
          inheritLabels: props.inheritLabels ?? false,
          restartBehavior: props.restartBehavior ?? 'RETRY_FAILED',
          wait,
          key: String(iteration),
          ...(scheduleDate !== undefined && { scheduleDate }),
        }),
      ),
    );
    const outputs: Record<string, unknown> = {
      splits: await storeText(ctx, 'splits.txt', uris.map((uri) => `${uri}\n`).join('')),
      numberOfBatches: uris.length,
      iterations: countStates(results),
    };
    if (wait && results.some((r) => Object.keys(r.outputs).length > 0))
      outputs.uri = await storeText(
        ctx,
        'outputs.ion',
        results.map((r) => `${JSON.stringify(r.outputs)}\n`).join(''),
      );
    const failed = results.filter((r) => isFailure(r.state));
    const retryFailed = (props.restartBehavior ?? 'RETRY_FAILED') === 'RETRY_FAILED';
    if (wait && (props.transmitFailed ?? true) && failed.length > 0) {
      if (props.errors?.length) await ctx.runTasks(props.errors);
      throw new TaskError(
        `${failed.length} of ${results.length} executions of ${props.namespace}.${props.flowId} failed: ${failed.map((r) => `${r.executionId} ${r.state}`).join(', ')}`,
        false,
        // With RETRY_FAILED, which execution ran each batch: a restart restarts the failed ones and keeps the others.
        {
          details: {
            outputs: retryFailed ? { ...outputs, executions: executionsByBatch(results) } : outputs,
          },
        },
      );
    }
    return { outputs };
  },
});

/**
 * The local file `items` names: a stored file's URI, or the path a FILE
 * input holds (an uploaded file, or `tern run --input` of a local file).
 */
async function itemsFile(ctx: TaskContext, items: string): Promise<string> {
  const path = ctx.storage.isUri(items)
    ? ctx.storage.localPath(items)
    : isAbsolute(items)
      ? items
      : undefined;
  const found = path === undefined ? undefined : await stat(path).catch(() => undefined);
  if (!found?.isFile())
    throw new TaskError(
      `items: '${items}' is neither the URI of a stored file (a task's output file) nor a FILE input's file`,
      false,
    );
  return path!;
}

/** Stores `text` as this task run's file `name`; returns its URI. */
async function storeText(ctx: TaskContext, name: string, text: string): Promise<string> {
  const path = join(await ctx.workingDir(), name);
  await writeFile(path, text);
  return ctx.storage.put(ctx.execution.id, ctx.taskRun.id, name, path);
}

/** The execution of each batch, by batch number: where a restart finds them. */
function executionsByBatch(results: readonly { executionId: string }[]): Record<string, string> {
  return Object.fromEntries(results.map((r, i) => [String(i), r.executionId]));
}

/** How many executions are in each state. */
function countStates(results: readonly SubflowResult[]): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const r of results) counts[r.state] = (counts[r.state] ?? 0) + 1;
  return counts;
}

/** Labels written as a map or as Kestra's list of `{key, value}`. */
function labelMap(labels: Record<string, string> | { key: string; value: string }[] | undefined) {
  if (!Array.isArray(labels)) return labels;
  return Object.fromEntries(labels.map((l) => [l.key, l.value]));
}
