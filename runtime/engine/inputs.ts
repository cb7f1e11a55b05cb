/** Typed flow inputs: coercion, defaults and validators, with every problem reported at once. */
import { DateTime } from 'luxon';
import { parse as parseYaml } from 'yaml';
import { parseDuration } from '../../protocol/duration.js';
import { InputValidationError, type Problem } from '../../protocol/errors.js';
import { type FlowOutput, INPUT_TYPES, type Input } from '../../protocol/flow.js';

type Coerced = { value: unknown } | { error: string };

const KNOWN_TYPES: ReadonlySet<string> = new Set(INPUT_TYPES);

const ok = (value: unknown): Coerced => ({ value });
const bad = (error: string): Coerced => ({ error });

/**
 * Resolves provided inputs against the flow's declarations. Strings (as
 * given on a command line or in a form) are converted to the declared type.
 * Throws InputValidationError listing every problem.
 *
 * @example resolveInputs([{ id: 'n', type: 'INT' }], { n: '3' }) // { n: 3 }
 */
export function resolveInputs(
  declared: readonly Input[] | undefined,
  provided: Record<string, unknown>,
  renderDefault: (value: unknown) => unknown = (v) => v,
): Record<string, unknown> {
  const result: Record<string, unknown> = {};
  const problems: Problem[] = [];
  for (const input of declared ?? []) {
    const path = `inputs.${input.id}`;
    let raw = Object.hasOwn(provided, input.id) ? provided[input.id] : undefined;
    if (raw === undefined || raw === null || raw === '') {
      if (input.defaults !== undefined) {
        try {
          raw = renderDefault(input.defaults);
        } catch (err) {
          problems.push({ path, message: `default: ${(err as Error).message}` });
          continue;
        }
      }
    }
    if (raw === undefined || raw === null || raw === '') {
      if (input.required !== false && input.defaults === undefined) {
        problems.push({ path, message: `required ${input.type} input is missing` });
      } else result[input.id] = null;
      continue;
    }
    const coerced = input.type === 'ARRAY' && input.itemType ? coerceItems(input, raw) : coerce(input, raw);
    if ('error' in coerced) {
      problems.push({ path, message: coerced.error });
      continue;
    }
    const invalid = validate(input, coerced.value);
    if (invalid) problems.push({ path, message: invalid });
    else result[input.id] = coerced.value;
  }
  if (problems.length > 0) throw new InputValidationError(problems);
  return result;
}

/**
 * Flow outputs read as their declared `type`, as Kestra reads them: rendered text converted (`INT`
 * from `"3"`, `JSON` parsed, `STRING` as is); an output without a type, or of a type inputs do not
 * have, is kept as rendered. Throws naming every output that is not of its type.
 *
 * @example typedOutputs([{ id: 'n', type: 'INT', value: '' }], { n: '3' }) // { n: 3 }
 */
export function typedOutputs(
  declared: readonly FlowOutput[],
  rendered: Record<string, unknown>,
): Record<string, unknown> {
  const result: Record<string, unknown> = { ...rendered };
  const problems: string[] = [];
  for (const output of declared) {
    const value = rendered[output.id];
    if (output.type === undefined || output.type === 'STRING' || value === undefined || value === null)
      continue;
    if (!KNOWN_TYPES.has(output.type)) continue;
    const coerced = coerce({ id: output.id, type: output.type } as Input, value);
    if ('error' in coerced) problems.push(`${output.id}: ${coerced.error}`);
    else result[output.id] = coerced.value;
  }
  if (problems.length > 0) throw new Error(problems.join('; '));
  return result;
}

function parseJson(raw: unknown): Coerced {
  if (typeof raw !== 'string') return ok(raw);
  try {
    return ok(JSON.parse(raw));
  } catch {
    return bad(`'${raw}' is not valid JSON`);
  }
}

function parseYamlText(raw: unknown): Coerced {
  if (typeof raw !== 'string') return ok(raw);
  try {
    return ok(parseYaml(raw));
  } catch (err) {
    return bad(`is not valid YAML: ${(err as Error).message.split('\n')[0]}`);
  }
}

/** An ARRAY input whose items are each read as its `itemType`, e.g. `["1", "2"]` as INT. */
function coerceItems(input: Input, raw: unknown): Coerced {
  const list = coerce(input, raw);
  if ('error' in list) return list;
  const item = { ...input, type: input.itemType as Input['type'] };
  const items: unknown[] = [];
  for (const [i, value] of (list.value as unknown[]).entries()) {
    const coerced = coerce(item, value);
    if ('error' in coerced) return bad(`item ${i}: ${coerced.error}`);
    items.push(coerced.value);
  }
  return ok(items);
}

function coerce(input: Input, raw: unknown): Coerced {
  const text = typeof raw === 'string' ? raw.trim() : raw;
  switch (input.type) {
    case 'STRING':
    case 'SECRET':
      return typeof raw === 'string' ? ok(raw) : bad(`must be a string, got ${describe(raw)}`);
    case 'INT': {
      const n = typeof text === 'string' && /^[-+]?\d+$/.test(text) ? Number(text) : text;
      return Number.isInteger(n) ? ok(n) : bad(`must be an integer, got ${describe(raw)}`);
    }
    case 'FLOAT': {
      const n = typeof text === 'string' && text !== '' ? Number(text) : text;
      return typeof n === 'number' && Number.isFinite(n)
        ? ok(n)
        : bad(`must be a number, got ${describe(raw)}`);
    }
    case 'BOOLEAN':
    case 'BOOL': {
      if (typeof raw === 'boolean') return ok(raw);
      if (typeof text === 'string' && /^(true|false)$/i.test(text)) return ok(text.toLowerCase() === 'true');
      return bad(`must be true or false, got ${describe(raw)}`);
    }
    case 'SELECT':
      return typeof raw === 'string'
        ? ok(raw)
        : bad(`must be one of the listed values, got ${describe(raw)}`);
    case 'MULTISELECT':
    case 'ARRAY': {
      if (Array.isArray(raw)) return ok(raw);
      if (typeof text !== 'string') return bad(`must be a list, got ${describe(raw)}`);
      if (text.startsWith('[')) {
        const parsed = parseJson(text);
        return 'value' in parsed && !Array.isArray(parsed.value) ? bad('must be a list') : parsed;
      }
      return ok(text.split(',').map((s) => s.trim()));
    }
    case 'JSON':
      return parseJson(raw);
    case 'YAML':
      return parseYamlText(raw);
    case 'DATETIME': {
      const d =
        typeof raw === 'string' ? DateTime.fromISO(raw, { setZone: true }) : DateTime.invalid('not text');
      // An instant, printed as Java prints one (Kestra's input type): UTC, fraction only when not zero.
      return d.isValid
        ? ok(d.toUTC().toISO({ suppressMilliseconds: true }))
        : bad(`must be an ISO-8601 date-time, got ${describe(raw)}`);
    }
    case 'DATE':
      return typeof raw === 'string' && /^\d{4}-\d{2}-\d{2}$/.test(raw) && DateTime.fromISO(raw).isValid
        ? ok(raw)
        : bad(`must be a date like 2024-01-31, got ${describe(raw)}`);
    case 'TIME':
      return typeof raw === 'string' && /^\d{2}:\d{2}(:\d{2}(\.\d+)?)?$/.test(raw)
        ? ok(raw)
        : bad(`must be a time like 13:45:00, got ${describe(raw)}`);
    case 'DURATION':
      return typeof raw === 'string' && parseDuration(raw) !== undefined
        ? ok(raw)
        : bad(`must be an ISO-8601 duration like PT5M, got ${describe(raw)}`);
    case 'URI':
      return typeof raw === 'string' && URL.canParse(raw)
        ? ok(raw)
        : bad(`must be a URI, got ${describe(raw)}`);
    case 'FILE':
      return typeof raw === 'string' ? ok(raw) : bad(`must be a file reference, got ${describe(raw)}`);
  }
}

function validate(input: Input, value: unknown): string | undefined {
  const choices = input.values ?? input.options;
  if (input.type === 'SELECT' && choices && !input.allowCustomValue && !choices.includes(value as string)) {
    return `must be one of: ${choices.join(', ')}`;
  }
  if (input.type === 'MULTISELECT' && choices && !input.allowCustomValue) {
    const wrong = (value as unknown[]).filter((v) => !choices.includes(v as string));
    if (wrong.length > 0) return `${wrong.join(', ')} not among: ${choices.join(', ')}`;
  }
  const bound = timeBounds(input, value);
  if (bound) return bound;
  if (typeof value === 'number') {
    if (input.min !== undefined && value < Number(input.min)) return `must be at least ${input.min}`;
    if (input.max !== undefined && value > Number(input.max)) return `must be at most ${input.max}`;
  }
  if (typeof value === 'string') {
    if (input.minLength !== undefined && value.length < input.minLength)
      return `must be at least ${input.minLength} characters`;
    if (input.maxLength !== undefined && value.length > input.maxLength)
      return `must be at most ${input.maxLength} characters`;
    if (input.validator !== undefined) {
      let re: RegExp;
      try {
        re = new RegExp(`^(?:${input.validator})$`);
      } catch {
        return `validator '${input.validator}' is not a valid regular expression`;
      }
      if (!re.test(value)) return `'${value}' does not match ${input.validator}`;
    }
  }
  return undefined;
}

/** Milliseconds of a duration, or the instant of a date, date-time or time, to compare with bounds. */
function ordinal(type: Input['type'], text: string): number | undefined {
  if (type === 'DURATION') return parseDuration(text);
  if (type === 'TIME') return DateTime.fromISO(`1970-01-01T${text}`, { zone: 'utc' }).toMillis();
  const d = DateTime.fromISO(text, { setZone: true, zone: 'utc' });
  return d.isValid ? d.toMillis() : undefined;
}

/** DATE, DATETIME and TIME `after`/`before`, and DURATION `min`/`max`, as Kestra checks them. */
function timeBounds(input: Input, value: unknown): string | undefined {
  if (typeof value !== 'string') return undefined;
  const bounds: [unknown, 'after' | 'before'][] =
    input.type === 'DURATION'
      ? [
          [input.min, 'after'],
          [input.max, 'before'],
        ]
      : input.type === 'DATE' || input.type === 'DATETIME' || input.type === 'TIME'
        ? [
            [input.after, 'after'],
            [input.before, 'before'],
          ]
        : [];
  const at = ordinal(input.type, value);
  for (const [limit, side] of bounds) {
    if (typeof limit !== 'string' || at === undefined) continue;
    const edge = ordinal(input.type, limit);
    if (edge === undefined) continue;
    if (input.type === 'DURATION') {
      if (side === 'after' && at < edge) return `must be at least ${limit}`;
      if (side === 'before' && at > edge) return `must be at most ${limit}`;
    } else {
      if (side === 'after' && at <= edge) return `must be after ${limit}`;
      if (side === 'before' && at >= edge) return `must be before ${limit}`;
    }
  }
  return undefined;
}

function describe(value: unknown): string {
  if (typeof value === 'string') return `'${value}'`;
  return value === null
    ? 'null'
    : Array.isArray(value)
      ? 'a list'
      : typeof value === 'object'
        ? 'an object'
        : String(value);
}
