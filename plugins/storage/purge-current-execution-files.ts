/** `storage.purgeCurrentExecutionFiles`: removes every file the execution stored (Kestra's PurgeCurrentExecutionFiles). */
import { Type as T } from '@sinclair/typebox';
import { defineTask } from '../../protocol/plugin.js';

export default defineTask({
  type: 'storage.purgeCurrentExecutionFiles',
  aliases: [
    'io.kestra.plugin.core.storage.PurgeCurrentExecutionFiles',
    'io.kestra.core.tasks.storages.PurgeCurrentExecutionFiles',
  ],
  title: 'Purge the execution files',
  description:
    "Removes every file stored for the current execution (task outputs, FILE inputs) from the runtime's storage; " +
    '`outputs.<id>.uris` lists them. Later tasks can no longer read them.',
  properties: T.Object({}),
  outputs: T.Object({ uris: T.Array(T.String(), { description: 'The files removed' }) }),
  examples: [
    {
      title: 'Leave nothing behind',
      code: 'finally:\n  - id: purge\n    type: io.kestra.plugin.core.storage.PurgeCurrentExecutionFiles',
    },
  ],
  async run(_props, ctx) {
    const uris = await ctx.storage.deleteExecutionFiles(ctx.execution.id);
    ctx.logger.info(`removed ${uris.length} stored file(s)`);
    return { outputs: { uris } };
  },
});
