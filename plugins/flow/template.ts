/** `flow.template`: Kestra's deprecated Template task, named so that a flow using it is refused with the way out. */
import { Type as T } from '@sinclair/typebox';
import { TaskError } from '../../protocol/errors.js';
import { defineTask } from '../../protocol/plugin.js';

const REFUSAL =
  "Kestra's templates (deprecated since Kestra 0.11, and off by default there) are not supported: " +
  'make the template a flow and call it with io.kestra.plugin.core.flow.Subflow';

export default defineTask({
  type: 'flow.template',
  aliases: ['io.kestra.plugin.core.flow.Template', 'io.kestra.core.tasks.flows.Template'],
  title: 'Template (not supported)',
  description: `Kestra's Template task copied the tasks of a separately stored template into the flow. Tern has no template store: a flow that uses it is refused when it is validated, saying so. ${REFUSAL.replace("Kestra's templates", 'Templates')}.`,
  properties: T.Object({
    namespace: T.String({ description: 'The namespace of the template' }),
    templateId: T.String({ description: 'The id of the template' }),
    tenantId: T.Optional(T.String()),
    args: T.Optional(T.Record(T.String(), T.String(), { description: 'Arguments for the template' })),
  }),
  check: () => [{ path: 'type', message: REFUSAL }],
  run() {
    throw new TaskError(REFUSAL, false);
  },
});
