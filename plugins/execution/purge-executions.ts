/** `execution.purgeExecutions`: removes old executions, their logs and files (Kestra's PurgeExecutions). */
import { Type as T } from '@sinclair/typebox';
import { TaskError } from '../../protocol/errors.js';
import { defineTask } from '../../protocol/plugin.js';
import { isTerminal, STATES, type State } from '../../protocol/states.js';

const ENDED = STATES.filter(isTerminal);

export default defineTask({
  type: 'execution.purgeExecutions',
  aliases: [
    'io.kestra.plugin.core.execution.PurgeExecutions',
    'io.kestra.plugin.core.storage.Purge',
    'io.kestra.core.tasks.storages.Purge',
  ],
  title: 'Purge executions',
  description:
    'Removes the ended executions that started between `startDate` and `endDate` (of a flow with `flowId`, ' +
    'else of a namespace and its sub-namespaces, else of every namespace), in `states` if given: the ' +
    'executions with their task runs, their log lines and their stored files, each unless its flag is false. ' +
    'It acts on the storage of the runtime running it: the hub purges what the hub stores (its executions ' +
    'and those agents reported), an agent its own. An execution that has not ended is never purged. ' +
    'Outputs how many of each were removed; `metricsCount` and `taskOutputsCount` are always 0, as task ' +
    'outputs live in the executions and Tern keeps no per-execution metrics.',
  properties: T.Object({
    namespace: T.Optional(
      T.String({ description: "The namespace (and sub-namespaces) purged, or the flow's" }),
    ),
    flowId: T.Optional(T.String({ description: 'Only this flow (needs `namespace`)' })),
    startDate: T.Optional(T.String({ description: 'Executions started at or after (ISO-8601)' })),
    endDate: T.String({ description: 'Executions started at or before (ISO-8601)' }),
    states: T.Optional(
      T.Array(T.Union(ENDED.map((s) => T.Literal(s))), {
        description: 'Only executions in these states; every ended state by default',
      }),
    ),
    purgeExecution: T.Optional(T.Boolean({ default: true, description: 'Remove the executions' })),
    purgeLog: T.Optional(T.Boolean({ default: true, description: 'Remove their log lines' })),
    purgeMetric: T.Optional(T.Boolean({ default: true, description: 'Accepted for compatibility' })),
    purgeStorage: T.Optional(T.Boolean({ default: true, description: 'Remove their stored files' })),
    batchSize: T.Optional(T.Integer({ minimum: 1, default: 100, description: 'Accepted for compatibility' })),
  }),
  outputs: T.Object({
    executionsCount: T.Integer({ description: 'Executions removed' }),
    logsCount: T.Integer({ description: 'Log lines removed' }),
    storagesCount: T.Integer({ description: 'Stored files removed' }),
    metricsCount: T.Integer({ description: 'Always 0' }),
    taskOutputsCount: T.Integer({ description: 'Always 0' }),
  }),
  examples: [
    {
      title: 'Every day, forget what ended more than a month ago',
      code: [
        '- id: purge',
        '  type: io.kestra.plugin.core.execution.PurgeExecutions',
        '  endDate: "{{ now() | dateAdd(-1, \'MONTHS\') }}"',
        '  states: [KILLED, FAILED, WARNING, SUCCESS]',
      ].join('\n'),
    },
  ],
  async run(props, ctx) {
    if (props.flowId !== undefined && props.namespace === undefined) {
      throw new TaskError('flowId: give the namespace of the flow too', false);
    }
    const date = (value: string | undefined, what: string) => {
      if (value !== undefined && Number.isNaN(Date.parse(value)))
        throw new TaskError(`${what}: '${value}' is not an ISO-8601 date`, false);
      return value;
    };
    const counts = await ctx.executions.purge({
      namespace: props.namespace,
      flowId: props.flowId,
      startDate: date(props.startDate, 'startDate'),
      endDate: date(props.endDate, 'endDate')!,
      states: props.states as State[] | undefined,
      executions: props.purgeExecution ?? true,
      logs: props.purgeLog ?? true,
      storage: props.purgeStorage ?? true,
    });
    return { outputs: { ...counts, metricsCount: 0, taskOutputsCount: 0 } };
  },
});
