/** `storage.filterItems`: keeps or drops the items of a JSON Lines file by a condition (Kestra's FilterItems). */
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { Type as T } from '@sinclair/typebox';
import { TaskError } from '../../protocol/errors.js';
import { defineTask } from '../../protocol/plugin.js';
import { isTruthy } from '../../protocol/values.js';
import { readItems, storedPath, storeResult } from './stored-files.js';

const INCLUDE_EXCLUDE = ['INCLUDE', 'EXCLUDE'] as const;

export default defineTask({
  type: 'storage.filterItems',
  aliases: ['io.kestra.plugin.core.storage.FilterItems', 'io.kestra.core.tasks.storages.FilterItems'],
  title: 'Filter items',
  description:
    'Reads the stored JSON Lines file `from` (one object per line) and writes the items for which ' +
    '`filterCondition` holds (`filterType: INCLUDE`) or does not (`EXCLUDE`) to a new stored file. ' +
    "The condition sees each item's fields as variables (`{{ product_id == 20 }}`). An item on which it " +
    'cannot be rendered or gives null fails the task (`errorOrNullBehavior: FAIL`), or is kept or dropped. ' +
    'Outputs the new file `uri`, `processedItemsTotal` and `droppedItemsTotal`.',
  properties: T.Object({
    from: T.String({ description: 'The storage URI of a JSON Lines file' }),
    filterCondition: T.String({ description: "An expression over the item's fields" }),
    filterType: T.Optional(
      T.Union(
        INCLUDE_EXCLUDE.map((v) => T.Literal(v)),
        { default: 'INCLUDE', description: 'Keep (INCLUDE) or drop (EXCLUDE) the items that match' },
      ),
    ),
    errorOrNullBehavior: T.Optional(
      T.Union(
        ['FAIL', ...INCLUDE_EXCLUDE].map((v) => T.Literal(v)),
        { default: 'FAIL', description: 'What to do with an item the condition fails on or gives null for' },
      ),
    ),
  }),
  raw: ['filterCondition'],
  outputs: T.Object({
    uri: T.String({ description: 'The filtered file' }),
    processedItemsTotal: T.Integer({ description: 'Items read' }),
    droppedItemsTotal: T.Integer({ description: 'Items dropped' }),
  }),
  examples: [
    {
      title: 'Orders of one product',
      code: [
        '- id: filter',
        '  type: io.kestra.plugin.core.storage.FilterItems',
        '  from: "{{ outputs.query.uri }}"',
        '  filterCondition: "{{ product_id == 20 }}"',
      ].join('\n'),
    },
  ],
  async run(props, ctx) {
    const include = (props.filterType ?? 'INCLUDE') === 'INCLUDE';
    const onErrorOrNull = props.errorOrNullBehavior ?? 'FAIL';
    const kept: string[] = [];
    let processed = 0;
    for await (const item of readItems(await storedPath(ctx, props.from, 'from'), 'from')) {
      processed++;
      let keep: boolean;
      let value: unknown;
      let failure: string | undefined;
      try {
        value = ctx.render(props.filterCondition, item.fields);
      } catch (err) {
        failure = (err as Error).message;
      }
      if (failure !== undefined || value === null || value === undefined) {
        if (onErrorOrNull === 'FAIL') {
          throw new TaskError(
            failure ?? `Expression \`${props.filterCondition}\` return \`null\` on item \`${item.line}\``,
            false,
          );
        }
        keep = onErrorOrNull === 'INCLUDE';
      } else keep = isTruthy(typeof value === 'string' ? value.trim() : value) === include;
      if (keep) kept.push(`${item.line}\n`);
    }
    const name = 'filtered.jsonl';
    const target = join(await ctx.workingDir(), name);
    await writeFile(target, kept.join(''));
    return {
      outputs: {
        uri: await storeResult(ctx, name, target),
        processedItemsTotal: processed,
        droppedItemsTotal: processed - kept.length,
      },
    };
  },
});
