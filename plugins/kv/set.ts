/** `kv.set`: stores a value in the namespace's key-value store (Kestra's kv.Set). */
import { Type as T } from '@sinclair/typebox';
import { DateTime } from 'luxon';
import { formatDuration, parseDuration } from '../../protocol/duration.js';
import { TaskError } from '../../protocol/errors.js';
import { isValidId } from '../../protocol/ids.js';
import { defineTask } from '../../protocol/plugin.js';

const KV_TYPES = ['STRING', 'NUMBER', 'BOOLEAN', 'DATETIME', 'DATE', 'DURATION', 'JSON'] as const;
type KvType = (typeof KV_TYPES)[number];

const Properties = T.Object({
  key: T.String({ minLength: 1, description: 'Letters, digits, dot, underscore and dash' }),
  value: T.Unknown({ description: 'The value to store; kept as rendered unless kvType says otherwise' }),
  namespace: T.Optional(T.String({ minLength: 1, description: "Default: the flow's namespace" })),
  overwrite: T.Optional(
    T.Boolean({ default: true, description: 'When false, fail if the key already holds a value' }),
  ),
  ttl: T.Optional(
    T.String({ description: 'Time to live (ISO-8601 duration); without it the value never expires' }),
  ),
  kvType: T.Optional(
    T.Union(
      KV_TYPES.map((t) => T.Literal(t)),
      { description: 'Checks the value and stores it in this type' },
    ),
  ),
  kvDescription: T.Optional(T.String({ description: 'Accepted for compatibility; not stored' })),
});

export default defineTask({
  type: 'kv.set',
  aliases: ['io.kestra.plugin.core.kv.Set'],
  title: 'Set a KV value',
  description:
    "Stores a value under a key in a namespace's key-value store (the flow's namespace by default), where later " +
    'tasks and executions read it with `kv.get` or `{{ kv("key") }}`. With `kvType` the value is checked and ' +
    'converted: NUMBER and BOOLEAN from their text, DATETIME to a UTC ISO-8601 instant, DATE to YYYY-MM-DD, ' +
    'DURATION to an ISO-8601 duration, JSON parsed from text.',
  properties: Properties,
  examples: [
    {
      title: 'Remember the last reading for the next execution, for a day',
      code: [
        'id: sample',
        'namespace: plant1',
        'tasks:',
        '  - id: remember',
        '    type: kv.set',
        '    key: last_temperature',
        '    value: "{{ inputs.temperature }}"',
        '    kvType: NUMBER',
        '    ttl: P1D',
      ].join('\n'),
    },
    {
      title: 'Store a JSON document in another namespace, once',
      code: [
        '- id: settings',
        '  type: io.kestra.plugin.core.kv.Set',
        '  namespace: plant1.shared',
        '  key: calibration',
        '  value: \'{"offset": 0.4, "gain": 1.02}\'',
        '  kvType: JSON',
        '  overwrite: false',
      ].join('\n'),
    },
  ],
  run(props, ctx) {
    const namespace = props.namespace ?? ctx.execution.namespace;
    if (!isValidId(props.key)) {
      throw new TaskError(
        `'${props.key}' is not a valid KV key: use letters, digits, dot, underscore and dash`,
        false,
      );
    }
    let ttlMs: number | undefined;
    if (props.ttl !== undefined) {
      ttlMs = parseDuration(props.ttl);
      if (ttlMs === undefined || ttlMs <= 0) {
        throw new TaskError(`ttl: '${props.ttl}' is not a positive ISO-8601 duration such as PT1H`, false);
      }
    }
    const value = props.kvType ? coerce(props.value, props.kvType) : props.value;
    if (props.overwrite === false && ctx.kv.get(namespace, props.key) !== undefined) {
      throw new TaskError(
        `KV key '${props.key}' already exists in namespace '${namespace}' and overwrite is false`,
        false,
      );
    }
    ctx.kv.set(namespace, props.key, value, ttlMs);
    ctx.logger.debug(`set KV ${namespace}/${props.key}`);
    return undefined;
  },
});

/** Checks `value` against `type` and returns it in its stored form; a mismatch fails the task for good. */
function coerce(value: unknown, type: KvType): unknown {
  const bad = (expected: string) =>
    new TaskError(`kvType ${type}: ${JSON.stringify(value)} is not ${expected}`, false);
  const text = typeof value === 'string' ? value.trim() : undefined;
  switch (type) {
    case 'STRING':
      return typeof value === 'string' ? value : JSON.stringify(value);
    case 'NUMBER': {
      const n = typeof value === 'number' ? value : text ? Number(text) : Number.NaN;
      if (!Number.isFinite(n)) throw bad('a number');
      return n;
    }
    case 'BOOLEAN':
      if (typeof value === 'boolean') return value;
      if (text?.toLowerCase() === 'true') return true;
      if (text?.toLowerCase() === 'false') return false;
      throw bad('true or false');
    case 'DATETIME': {
      const dt =
        typeof value === 'number'
          ? DateTime.fromMillis(value)
          : text
            ? DateTime.fromISO(text, { setZone: true })
            : undefined;
      if (!dt?.isValid) throw bad('an ISO-8601 date and time');
      return dt.toUTC().toISO();
    }
    case 'DATE': {
      const dt = text ? DateTime.fromISO(text, { setZone: true }) : undefined;
      if (!dt?.isValid) throw bad('an ISO-8601 date');
      return dt.toISODate();
    }
    case 'DURATION': {
      if (typeof value === 'number' && Number.isFinite(value)) return formatDuration(value);
      if (text === undefined || parseDuration(text) === undefined) throw bad('an ISO-8601 duration');
      return text;
    }
    case 'JSON':
      if (typeof value !== 'string') return value;
      try {
        return JSON.parse(value);
      } catch {
        throw bad('JSON text');
      }
  }
}
