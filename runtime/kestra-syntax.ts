/**
 * Older spellings Kestra still accepts, rewritten to the current ones before a
 * flow is validated: `taskDefaults` (now `pluginDefaults`), an input's `name`
 * (now `id`), the `ENUM` and `BOOL` input types (now `SELECT` and `BOOLEAN`),
 * `defaults: null` (no default), a task's property given as `null` (absent, as
 * Kestra reads it) and the `org.kestra.` type names of Kestra's first releases
 * (now `io.kestra.`).
 */

type Json = Record<string, unknown>;

const isObject = (value: unknown): value is Json =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

/** One input declaration in today's spelling. */
function currentInput(input: unknown): unknown {
  if (!isObject(input)) return input;
  const out: Json = { ...input };
  if (out.id === undefined && typeof out.name === 'string') {
    out.id = out.name;
    delete out.name;
  }
  if (out.type === 'ENUM') out.type = 'SELECT';
  if (out.type === 'BOOL') out.type = 'BOOLEAN';
  if (out.defaults === null) delete out.defaults;
  return out;
}

const OLDEST_PREFIX = 'org.kestra.';

/**
 * A copy of `value` where every plugin (an object with a string `type`) under it is in today's
 * spelling: an `org.kestra.` type becomes `io.kestra.`, and a task's or trigger's (an `id` beside
 * the `type`) property given as `null` is dropped, since Kestra reads an explicit null as the
 * property left out.
 */
function currentPlugins(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(currentPlugins);
  if (!isObject(value)) return value;
  const plugin = typeof value.type === 'string';
  const declared = plugin && typeof value.id === 'string';
  const out: Json = {};
  for (const [key, child] of Object.entries(value)) {
    if (declared && child === null) continue;
    out[key] = currentPlugins(child);
  }
  if (plugin && (out.type as string).startsWith(OLDEST_PREFIX))
    out.type = `io.kestra.${(out.type as string).slice(OLDEST_PREFIX.length)}`;
  return out;
}

/**
 * The flow document with Kestra's older spellings replaced; the document
 * itself is left as it is. Both `taskDefaults` and `pluginDefaults` may be
 * given: the first are appended to the second, so the current name wins.
 *
 * @example currentSyntax({ taskDefaults: [d] }) // { pluginDefaults: [d] }
 */
export function currentSyntax(flow: Json): Json {
  const out: Json = { ...flow };
  if ('taskDefaults' in out) {
    const older = Array.isArray(out.taskDefaults) ? out.taskDefaults : [];
    const current = Array.isArray(out.pluginDefaults) ? out.pluginDefaults : [];
    out.pluginDefaults = [...current, ...older];
    delete out.taskDefaults;
  }
  if (Array.isArray(out.inputs)) out.inputs = out.inputs.map(currentInput);
  for (const key of ['tasks', 'errors', 'finally', 'afterExecution', 'triggers', 'pluginDefaults'])
    if (key in out) out[key] = currentPlugins(out[key]);
  return out;
}
