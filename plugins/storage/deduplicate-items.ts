/** `storage.deduplicateItems`: keeps the last item of each key of a JSON Lines file (Kestra's DeduplicateItems). */
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { Type as T } from '@sinclair/typebox';
import { defineTask, type TaskContext } from '../../protocol/plugin.js';
import { type Item, readItems, storedPath, storeResult } from './stored-files.js';

export default defineTask({
  type: 'storage.deduplicateItems',
  aliases: [
    'io.kestra.plugin.core.storage.DeduplicateItems',
    'io.kestra.core.tasks.storages.DeduplicateItems',
  ],
  title: 'Deduplicate items',
  description:
    'Reads the stored JSON Lines file `from` (one object per line) and keeps, for each key `expr` gives, ' +
    "only the item seen last, in the file's order. `expr` sees each item's fields as variables " +
    '(`{{ customer_email }}`). Outputs the new file `uri`, `numKeys`, `processedItemsTotal` and `droppedItemsTotal`.',
  properties: T.Object({
    from: T.String({ description: 'The storage URI of a JSON Lines file' }),
    expr: T.String({ description: "The key of an item: an expression over the item's fields" }),
  }),
  raw: ['expr'],
  outputs: T.Object({
    uri: T.String({ description: 'The deduplicated file' }),
    numKeys: T.Integer({ description: 'Distinct keys seen' }),
    processedItemsTotal: T.Integer({ description: 'Items read' }),
    droppedItemsTotal: T.Integer({ description: 'Items dropped' }),
  }),
  examples: [
    {
      title: 'One row per customer',
      code: '- id: dedup\n  type: io.kestra.plugin.core.storage.DeduplicateItems\n  from: "{{ outputs.query.uri }}"\n  expr: "{{ customer_email }}"',
    },
  ],
  async run(props, ctx) {
    const source = await storedPath(ctx, props.from, 'from');
    // Two passes, as Kestra does: the first finds each key's last position, the second keeps those.
    const last = new Map<string, number>();
    let index = 0;
    for await (const item of readItems(source, 'from')) last.set(keyOf(props.expr, item, ctx), index++);
    const kept: string[] = [];
    index = 0;
    for await (const item of readItems(source, 'from')) {
      if (last.get(keyOf(props.expr, item, ctx)) === index++) kept.push(`${item.line}\n`);
    }
    const name = 'deduplicated.jsonl';
    const target = join(await ctx.workingDir(), name);
    await writeFile(target, kept.join(''));
    return {
      outputs: {
        uri: await storeResult(ctx, name, target),
        numKeys: last.size,
        processedItemsTotal: index,
        droppedItemsTotal: index - kept.length,
      },
    };
  },
});

function keyOf(expr: string, item: Item, ctx: TaskContext): string {
  const key = ctx.render(expr, item.fields);
  return typeof key === 'string' ? key : JSON.stringify(key);
}
