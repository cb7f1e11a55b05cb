/** How Kestra's `Loop` reads its `values`: a list, a map, JSON text of either, or a stored file of one value a line. */
import { readFile } from 'node:fs/promises';
import { TaskError } from '../../protocol/errors.js';
import type { TaskContext } from '../../protocol/plugin.js';
import { asKey } from '../../protocol/values.js';

/** One iteration's value as text, and its key when the values are a map. */
export interface LoopEntry {
  value: string;
  key?: string;
}

/**
 * The iterations of `values`, as Kestra makes them: items as text (maps and
 * lists as JSON), repeated ones once; a map gives one per entry. A null
 * value is refused, with Kestra's message.
 *
 * @example await loopEntries(ctx, ['a', 1, 'a']) // [{value: 'a'}, {value: '1'}]
 */
export async function loopEntries(ctx: TaskContext, values: unknown): Promise<LoopEntry[]> {
  if (typeof values === 'string') {
    const text = values.trim();
    if (ctx.storage.isUri(text)) return listEntries(await storedValues(ctx, text), values);
    return loopEntries(ctx, parseJson(text));
  }
  if (Array.isArray(values)) return listEntries(values, values);
  if (typeof values === 'object' && values !== null)
    return Object.entries(values).map(([key, value]) => ({ key, value: textOf(value, values) }));
  throw new TaskError(
    `values must be a list, a map, JSON text of one, or a stored file's URI; got ${JSON.stringify(values)}`,
    false,
  );
}

/** True when `values` names a stored file: the loop's outputs are then stored too (`fetchType: AUTO`). */
export function valuesAreStored(ctx: TaskContext, values: unknown): boolean {
  return typeof values === 'string' && ctx.storage.isUri(values.trim());
}

function listEntries(list: readonly unknown[], values: unknown): LoopEntry[] {
  const texts = list.map((value) => textOf(value, values));
  return [...new Set(texts)].map((value) => ({ value }));
}

function textOf(value: unknown, values: unknown): string {
  if (value === null || value === undefined)
    throw new TaskError(`Found a null value inside the iteration values=${JSON.stringify(values)}`, false);
  return asKey(value);
}

function parseJson(text: string): unknown {
  try {
    const parsed: unknown = JSON.parse(text);
    if (typeof parsed === 'object' && parsed !== null) return parsed;
  } catch {
    // refused below
  }
  throw new TaskError(
    `values must be a list, a map, JSON text of one, or a stored file's URI; got '${text}'`,
    false,
  );
}

/**
 * A stored file's values, one a line, read as ION (of which JSON is a part) by the expressions'
 * `fromIon()`, as Kestra reads them: a struct gives its JSON text.
 */
async function storedValues(ctx: TaskContext, uri: string): Promise<unknown[]> {
  const ion = await readFile(ctx.storage.localPath(uri), 'utf8');
  const values = ctx.render('{{ fromIon(storedLoopValues, true) }}', { storedLoopValues: ion });
  if (!Array.isArray(values))
    throw new TaskError(`values: the file ${uri} is not one ION value a line`, false);
  return values;
}
