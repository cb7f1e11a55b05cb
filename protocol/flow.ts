/**
 * The flow document (docs/flow-language.md) as JSON Schema, with TypeScript types derived
 * from it. Task and trigger entries are open here: each plugin contributes the
 * schema of its own properties, and the full flow schema is assembled from them
 * (see `plugins/registry.ts`).
 */
import { type Static, Type as T, type TSchema } from '@sinclair/typebox';
import { DURATION_PATTERN } from './duration.js';
import { RolloutOptionsSchema } from './rollout.js';

export const ID_REGEX = '^[a-zA-Z0-9][a-zA-Z0-9._-]*$';

const Id = T.String({ pattern: ID_REGEX, description: 'Letters, digits, dot, underscore and dash' });
export const DurationSchema = T.String({
  pattern: DURATION_PATTERN,
  description: 'ISO-8601 duration, e.g. PT30S',
});
const StringMap = T.Record(T.String(), T.String());

export const RetrySchema = T.Object(
  {
    type: T.Union([T.Literal('constant'), T.Literal('exponential'), T.Literal('random')], {
      description:
        'constant: fixed interval; exponential: interval × delayFactor^n up to maxInterval; random: between minInterval and maxInterval',
    }),
    interval: T.Optional(DurationSchema),
    maxInterval: T.Optional(DurationSchema),
    minInterval: T.Optional(DurationSchema),
    delayFactor: T.Optional(T.Number({ minimum: 1 })),
    maxAttempts: T.Optional(
      T.Integer({ minimum: 1, description: 'Every attempt counts, the first included' }),
    ),
    maxAttempt: T.Optional(T.Integer({ minimum: 1, description: 'Alias of maxAttempts' })),
    maxDuration: T.Optional(DurationSchema),
    warningOnRetry: T.Optional(T.Boolean({ description: 'End in WARNING when retries were needed' })),
    behavior: T.Optional(T.Union([T.Literal('RETRY_FAILED_TASK'), T.Literal('CREATE_NEW_EXECUTION')])),
  },
  { additionalProperties: false },
);
export type Retry = Static<typeof RetrySchema>;

/** Properties every task accepts, whatever its type. */
export const TaskCommonProperties = {
  id: Id,
  type: T.String({ minLength: 1 }),
  description: T.Optional(T.String()),
  timeout: T.Optional(DurationSchema),
  retry: T.Optional(RetrySchema),
  allowFailure: T.Optional(T.Boolean()),
  allowWarning: T.Optional(T.Boolean({ description: 'A task ending in WARNING counts as a success' })),
  logToFile: T.Optional(
    T.Boolean({ description: "Kestra's option to keep logs in a file; Tern stores every log line anyway" }),
  ),
  disabled: T.Optional(T.Boolean()),
  runIf: T.Optional(T.Union([T.String(), T.Boolean()])),
  when: T.Optional(
    T.Union([T.String(), T.Boolean()], {
      description: "Kestra 2's name for `runIf`; it wins when both are given",
    }),
  ),
  logLevel: T.Optional(T.String()),
  workerGroup: T.Optional(T.Unknown()),
};

/** A task entry: common properties plus its plugin's own. */
export const TaskSchema = T.Object(TaskCommonProperties, { additionalProperties: true });
export type Task = Static<typeof TaskSchema> & Record<string, unknown>;

/** Type names of an expression condition: ours and Kestra's (current and older). */
export const EXPRESSION_CONDITION_TYPES = [
  'expression',
  'io.kestra.plugin.core.condition.Expression',
  'io.kestra.plugin.core.condition.ExpressionCondition',
  'io.kestra.core.models.conditions.types.ExpressionCondition',
] as const;

/**
 * A trigger condition: an expression that must be true for the event to start
 * an execution, written bare or as Kestra's `{type: …Expression, expression}`.
 */
export const ConditionSchema = T.Union([
  T.String({ minLength: 1, description: 'An expression, e.g. {{ trigger.payload.celsius > 8 }}' }),
  T.Object(
    {
      type: T.Union(
        EXPRESSION_CONDITION_TYPES.map((t) => T.Literal(t)),
        { description: 'Condition type' },
      ),
      expression: T.String({ minLength: 1 }),
    },
    { additionalProperties: false },
  ),
]);
export type Condition = Static<typeof ConditionSchema>;

/** Properties every trigger accepts. */
export const TriggerCommonProperties = {
  id: Id,
  type: T.String({ minLength: 1 }),
  description: T.Optional(T.String()),
  disabled: T.Optional(T.Boolean()),
  conditions: T.Optional(T.Array(ConditionSchema)),
  inputs: T.Optional(T.Record(T.String(), T.Unknown())),
  labels: T.Optional(StringMap),
  stopAfter: T.Optional(T.Array(T.String())),
};
export const TriggerSchema = T.Object(TriggerCommonProperties, { additionalProperties: true });
export type Trigger = Static<typeof TriggerSchema> & Record<string, unknown>;

export const INPUT_TYPES = [
  'STRING',
  'INT',
  'FLOAT',
  'BOOLEAN',
  // Kestra's later name of BOOLEAN, read the same way.
  'BOOL',
  'SELECT',
  'MULTISELECT',
  'DATETIME',
  'DATE',
  'TIME',
  'DURATION',
  'JSON',
  'YAML',
  'URI',
  'SECRET',
  'ARRAY',
  'FILE',
] as const;
export type InputType = (typeof INPUT_TYPES)[number];

export const InputSchema = T.Object(
  {
    id: Id,
    type: T.Union(INPUT_TYPES.map((t) => T.Literal(t))),
    description: T.Optional(T.String()),
    displayName: T.Optional(T.String()),
    required: T.Optional(T.Boolean()),
    defaults: T.Optional(T.Unknown()),
    values: T.Optional(T.Array(T.String())),
    options: T.Optional(T.Array(T.String())),
    allowCustomValue: T.Optional(T.Boolean()),
    itemType: T.Optional(T.String()),
    min: T.Optional(T.Union([T.Number(), T.String()])),
    max: T.Optional(T.Union([T.Number(), T.String()])),
    minLength: T.Optional(T.Integer({ minimum: 0 })),
    maxLength: T.Optional(T.Integer({ minimum: 0 })),
    validator: T.Optional(T.String({ description: 'Regular expression the whole value must match' })),
    after: T.Optional(T.String()),
    before: T.Optional(T.String()),
  },
  { additionalProperties: false },
);
export type Input = Static<typeof InputSchema>;

export const FlowOutputSchema = T.Object(
  {
    id: Id,
    type: T.Optional(T.String()),
    value: T.Unknown(),
    description: T.Optional(T.String()),
    // Kestra's label for the output in its UI; kept, not used.
    displayName: T.Optional(T.String()),
    required: T.Optional(T.Boolean()),
  },
  { additionalProperties: false },
);
export type FlowOutput = Static<typeof FlowOutputSchema>;

export const RunsOnSchema = T.Union([
  T.Literal('hub'),
  T.Object({ labels: StringMap }, { additionalProperties: false }),
  T.Object({ agents: T.Array(Id, { minItems: 1 }) }, { additionalProperties: false }),
]);
export type RunsOn = Static<typeof RunsOnSchema>;

export const ConcurrencySchema = T.Object(
  {
    limit: T.Integer({ minimum: 1 }),
    behavior: T.Optional(T.Union([T.Literal('QUEUE'), T.Literal('CANCEL'), T.Literal('FAIL')])),
  },
  { additionalProperties: false },
);

export const PluginDefaultSchema = T.Object(
  {
    type: T.String({ minLength: 1 }),
    values: T.Record(T.String(), T.Unknown()),
    forced: T.Optional(T.Boolean()),
  },
  { additionalProperties: false },
);
export type PluginDefault = Static<typeof PluginDefaultSchema>;

/** Kestra's flow SLA: a longest duration, or an assertion checked when the execution ends. */
export const SlaSchema = T.Object(
  {
    id: Id,
    type: T.Union([T.Literal('MAX_DURATION'), T.Literal('EXECUTION_ASSERTION')], {
      description:
        'MAX_DURATION: the execution runs at most `duration`; EXECUTION_ASSERTION: `assert` holds at its end',
    }),
    behavior: T.Optional(
      T.Union([T.Literal('FAIL'), T.Literal('CANCEL'), T.Literal('NONE')], {
        default: 'FAIL',
        description: 'On a breach: fail the execution, cancel it, or only add `labels`',
      }),
    ),
    duration: T.Optional(DurationSchema),
    assert: T.Optional(T.String({ description: 'Expression that must be true when the execution ends' })),
    labels: T.Optional(T.Union([StringMap, T.Array(T.Object({ key: T.String(), value: T.String() }))])),
  },
  { additionalProperties: false },
);
export type Sla = Static<typeof SlaSchema>;

/** Builds the flow schema around given task and trigger schemas. */
export function flowSchema<TTask extends TSchema, TTrigger extends TSchema>(task: TTask, trigger: TTrigger) {
  const tasks = T.Array(task, { minItems: 1 });
  return T.Object(
    {
      id: Id,
      namespace: T.String({ pattern: ID_REGEX, description: 'Dotted namespace, e.g. company.team' }),
      revision: T.Optional(T.Integer({ minimum: 1 })),
      description: T.Optional(T.String()),
      labels: T.Optional(T.Union([StringMap, T.Array(T.Object({ key: T.String(), value: T.String() }))])),
      runsOn: T.Optional(RunsOnSchema),
      /** Tern: how a new revision of an agents' flow reaches them (docs/rollouts.md). */
      rollout: T.Optional(RolloutOptionsSchema),
      inputs: T.Optional(T.Array(InputSchema)),
      variables: T.Optional(T.Record(T.String(), T.Unknown())),
      tasks,
      triggers: T.Optional(T.Array(trigger)),
      errors: T.Optional(T.Array(task)),
      finally: T.Optional(T.Array(task)),
      afterExecution: T.Optional(T.Array(task)),
      listeners: T.Optional(
        T.Array(
          T.Object(
            {
              description: T.Optional(T.String()),
              conditions: T.Optional(
                T.Array(
                  T.Union([ConditionSchema, T.Object({ type: T.String() }, { additionalProperties: true })]),
                ),
              ),
              tasks: T.Array(task, { minItems: 1 }),
            },
            { additionalProperties: false },
          ),
          {
            description:
              "Kestra's older listeners: once the execution has ended, the tasks of each listener whose `conditions` hold (ExecutionStatus, ExecutionFlow, ExecutionNamespace, expressions)",
          },
        ),
      ),
      outputs: T.Optional(T.Array(FlowOutputSchema)),
      retry: T.Optional(RetrySchema),
      timeout: T.Optional(DurationSchema),
      sla: T.Optional(T.Array(SlaSchema)),
      concurrency: T.Optional(ConcurrencySchema),
      pluginDefaults: T.Optional(T.Array(PluginDefaultSchema)),
      disabled: T.Optional(T.Boolean()),
      deleted: T.Optional(T.Boolean()),
    },
    { additionalProperties: false },
  );
}

/** The flow document with open task and trigger entries. */
export const FlowSchema = flowSchema(TaskSchema, TriggerSchema);
export type Flow = Static<typeof FlowSchema>;

/** Flow labels in either Kestra form, as a plain map. */
export function labelMap(labels: Flow['labels']): Record<string, string> {
  if (!labels) return {};
  if (Array.isArray(labels)) return Object.fromEntries(labels.map((l) => [l.key, l.value]));
  return { ...labels };
}

/**
 * The task with this id anywhere under `node` (a flow's task lists, nested
 * flowables included), or undefined.
 *
 * @example findTask([flow.tasks, flow.errors, flow.finally], 'approve')?.onResume
 */
export function findTask(node: unknown, id: string): Record<string, unknown> | undefined {
  if (Array.isArray(node)) {
    for (const item of node) {
      const found = findTask(item, id);
      if (found) return found;
    }
    return undefined;
  }
  if (typeof node !== 'object' || node === null) return undefined;
  const entry = node as Record<string, unknown>;
  if (entry.id === id && typeof entry.type === 'string') return entry;
  for (const [key, value] of Object.entries(entry))
    if (key !== 'inputs' && key !== 'onResume' && typeof value === 'object') {
      const found = findTask(value, id);
      if (found) return found;
    }
  return undefined;
}
