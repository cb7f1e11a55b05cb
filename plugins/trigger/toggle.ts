/** `trigger.toggle`: enables or disables a trigger of a flow (Kestra's trigger.Toggle). */
import { Type as T } from '@sinclair/typebox';
import { TaskError, TernError } from '../../protocol/errors.js';
import { defineTask } from '../../protocol/plugin.js';

export default defineTask({
  type: 'trigger.toggle',
  aliases: ['io.kestra.plugin.core.trigger.Toggle'],
  title: 'Toggle a trigger',
  description:
    "Disables a trigger of a flow (the current flow's namespace and flow by default), or enables it again with " +
    '`enabled: true`, as `PUT /flows/{namespace}/{id}/triggers/{trigger}` does: a new revision of the flow, ' +
    'which the hub and its agents follow. On an agent it switches a trigger of a flow that runs on that agent at ' +
    'once, and the hub makes the same revision from the record the agent sends it; a flow that does not run ' +
    'on the agent is refused, saying so. On a standalone agent or in `tern run` it fails saying so.',
  properties: T.Object({
    namespace: T.Optional(T.String({ minLength: 1, description: "Default: the current flow's namespace" })),
    flowId: T.Optional(T.String({ minLength: 1, description: 'Default: the current flow' })),
    trigger: T.String({ minLength: 1, description: 'The id of the trigger' }),
    enabled: T.Optional(
      T.Union([T.Boolean(), T.String()], {
        default: false,
        description: 'Enable (true) or disable (false) it; an expression giving true or false too',
      }),
    ),
  }),
  examples: [
    {
      title: 'Stop the hourly schedule once the backfill is done',
      code: [
        '- id: stop_schedule',
        '  type: io.kestra.plugin.core.trigger.Toggle',
        '  flowId: backfill',
        '  trigger: hourly',
        '  enabled: false',
      ].join('\n'),
    },
  ],
  async run(props, ctx) {
    const switcher = ctx.host.triggers;
    if (!switcher) {
      throw new TaskError(
        'trigger.toggle runs on the hub, or on an agent the hub manages; here (a standalone agent, or tern run) no hub keeps the flows',
        false,
      );
    }
    const namespace = props.namespace ?? ctx.execution.namespace;
    const flowId = props.flowId ?? ctx.execution.flowId;
    const enabled = isEnabled(props.enabled ?? false);
    try {
      await switcher.setDisabled(namespace, flowId, props.trigger, !enabled, {
        executionId: ctx.execution.id,
      });
    } catch (err) {
      if (err instanceof TernError) throw new TaskError(err.message, false);
      throw err;
    }
    ctx.logger.info(`${enabled ? 'enabled' : 'disabled'} trigger ${props.trigger} of ${namespace}.${flowId}`);
    return undefined;
  },
});

function isEnabled(value: boolean | string): boolean {
  if (typeof value === 'boolean') return value;
  const text = value.trim().toLowerCase();
  if (text === 'true' || text === 'false') return text === 'true';
  throw new TaskError(`enabled: '${value}' is neither true nor false`, false);
}
