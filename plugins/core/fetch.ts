/** `log.fetch`: writes an execution's log lines to a JSON Lines file in storage (Kestra's log.Fetch). */
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { Type as T } from '@sinclair/typebox';
import { LOG_LEVELS, type LogLevel } from '../../protocol/execution.js';
import { defineTask } from '../../protocol/plugin.js';

export default defineTask({
  type: 'log.fetch',
  aliases: ['io.kestra.plugin.core.log.Fetch', 'io.kestra.core.tasks.log.Fetch'],
  title: 'Fetch logs',
  description:
    "Writes the log lines of an execution (the current one by default) at `level` or above, of every task or of those in `tasksId`, to a file in the execution's storage: one JSON object per line with `executionId`, `taskRunId`, `taskId`, `attempt`, `level`, `message` and `timestamp`. " +
    '`outputs.<id>.uri` is the file, `outputs.<id>.size` the number of lines in it. ' +
    '`namespace` and `flowId` are accepted for compatibility: an execution id names one execution.',
  properties: T.Object({
    executionId: T.Optional(T.String({ minLength: 1, description: 'Default: the current execution' })),
    namespace: T.Optional(T.String({ description: 'Accepted for compatibility' })),
    flowId: T.Optional(T.String({ description: 'Accepted for compatibility' })),
    tasksId: T.Optional(T.Array(T.String(), { description: 'Only the log lines of these tasks' })),
    level: T.Optional(
      T.Union(
        LOG_LEVELS.map((l) => T.Literal(l)),
        { default: 'INFO', description: 'The lowest level fetched' },
      ),
    ),
  }),
  outputs: T.Object({
    uri: T.String({ description: 'The stored file, one JSON log line per line' }),
    size: T.Integer({ description: 'How many log lines it holds' }),
  }),
  examples: [
    {
      title: 'Keep the errors of this execution',
      code: ['- id: errors', '  type: io.kestra.plugin.core.log.Fetch', '  level: ERROR'].join('\n'),
    },
  ],
  async run(props, ctx) {
    const minimum = LOG_LEVELS.indexOf((props.level ?? 'INFO') as LogLevel);
    const tasks = props.tasksId === undefined ? undefined : new Set(props.tasksId);
    const lines = (await ctx.executions.logs(props.executionId ?? ctx.execution.id)).filter(
      (line) =>
        LOG_LEVELS.indexOf(line.level) >= minimum &&
        (tasks === undefined || (line.taskId !== null && tasks.has(line.taskId))),
    );
    const path = join(await ctx.workingDir(), 'logs.jsonl');
    await writeFile(path, lines.map((line) => `${JSON.stringify(line)}\n`).join(''));
    const uri = await ctx.storage.put(ctx.execution.id, ctx.taskRun.id, 'logs.jsonl', path);
    return { outputs: { uri, size: lines.length } };
  },
});
