/**
 * Older spellings Kestra still accepts, rewritten to the current ones before a
 * flow is validated: `taskDefaults` (now `pluginDefaults`), an input's `name`
 * (now `id`), the `ENUM` input type (now `SELECT`) and `defaults: null`
 * (no default).
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
  if (out.defaults === null) delete out.defaults;
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
  return out;
}
