/**
 * Property-based fuzz of the flow loader: whatever text or structure it is
 * given, `parseFlow` answers with a flow or with located problems, never
 * throws, and never returns a flow of the wrong shape. Runs are bounded so the
 * file takes a few seconds.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { builtinRegistry } from '../../plugins/builtin.js';
import { INPUT_TYPES } from '../../protocol/flow.js';
import { Renderer } from '../../runtime/expr/index.js';
import { type LoadResult, parseFlow } from '../../runtime/flow-loader.js';
import { runs } from './runs.js';

const registry = builtinRegistry();
const renderer = new Renderer();
const options = { checkExpression: (t: string) => renderer.check(t), saving: true };

/** The loader's contract: a flow with no problems, or problems (each a located message) and no flow. */
function expectWellFormed(result: LoadResult): void {
  expect(Array.isArray(result.problems)).toBe(true);
  for (const p of result.problems) {
    expect(typeof p.path).toBe('string');
    expect(typeof p.message).toBe('string');
    expect(p.message.length).toBeGreaterThan(0);
    if (p.line !== undefined) expect(Number.isInteger(p.line) && p.line >= 1).toBe(true);
    if (p.column !== undefined) expect(Number.isInteger(p.column) && p.column >= 1).toBe(true);
  }
  if (result.flow === undefined) {
    expect(result.problems.length).toBeGreaterThan(0);
    return;
  }
  expect(result.problems).toEqual([]);
  const { flow } = result;
  expect(typeof flow.id).toBe('string');
  expect(typeof flow.namespace).toBe('string');
  expect(Array.isArray(flow.tasks)).toBe(true);
  for (const task of flow.tasks) {
    expect(typeof task.id).toBe('string');
    expect(registry.task(task.type)).toBeDefined();
  }
  for (const trigger of flow.triggers ?? []) expect(registry.trigger(trigger.type)).toBeDefined();
  // A loaded flow is plain data: it survives a JSON round trip unchanged.
  expect(JSON.parse(JSON.stringify(flow))).toEqual(flow);
}

/** Parses, failing the property on anything thrown. */
function load(source: string): LoadResult {
  return parseFlow(source, registry, options);
}

// Pieces of YAML that exercise the parser's corners: anchors, aliases, merges, tags, documents, flow style.
const yamlPiece = fc.constantFrom(
  'id: f\n',
  'namespace: n\n',
  'tasks:\n',
  '  - id: a\n    type: log\n    message: hi\n',
  '  - &t { id: b, type: log, message: "{{ inputs.x }}" }\n',
  '  - *t\n',
  '  - <<: *t\n    id: c\n',
  'base: &b { type: log }\n',
  '  - { <<: *b, id: d, message: x }\n',
  '---\n',
  '...\n',
  '%YAML 1.2\n',
  'x: !!binary aGVsbG8=\n',
  'y: !custom tag\n',
  'z: !!set { a, b }\n',
  'triggers:\n  - { id: w, type: webhook, key: 0123456789abcdef }\n',
  'inputs:\n  - { id: x, type: INT, defaults: "3" }\n',
  'pluginDefaults:\n  - { type: log, values: { level: WARN } }\n',
  'variables: { a: [1, 2, { b: null }] }\n',
  'list: &l [1, 2]\nmore: [*l, *l, *l]\n',
  '? complex\n: key\n',
  '"quoted\\u0000nul": 1\n',
  "'single': 'it''s'\n",
  'multi: |\n  line one\n  line two\n',
  'folded: >-\n  a\n  b\n',
  '\t',
  '  ',
  ':',
  '- ',
  '{',
  '}',
  '[',
  '#',
  '*missing',
  '&anchor ',
  '\uFEFF',
  '\ud800',
);

const yamlText = fc
  .array(fc.oneof(yamlPiece, fc.string({ maxLength: 12 })), { maxLength: 24 })
  .map((parts) => parts.join(''));

const scalar = fc.oneof(
  fc.string({ maxLength: 16 }),
  fc.integer(),
  fc.double(),
  fc.boolean(),
  fc.constant(null),
  fc.constantFrom(
    '{{ inputs.x }}',
    '{{ outputs.a.value }}',
    '{% for i in [1,2] %}{{ i }}{% endfor %}',
    '{{ }}',
    '{{',
    'PT5M',
  ),
);
const value = fc.letrec((tie) => ({
  value: fc.oneof(
    { depthSize: 'small' },
    scalar,
    fc.array(tie('value'), { maxLength: 4 }),
    fc.dictionary(fc.string({ maxLength: 8 }), tie('value'), { maxKeys: 4 }),
  ),
})).value;

const ident = fc.oneof(fc.stringMatching(/^[a-z][a-z0-9_-]{0,8}$/), fc.string({ maxLength: 6 }));
const task = fc.record(
  {
    id: ident,
    type: fc.oneof(fc.constantFrom(...registry.taskTypes()), fc.string({ maxLength: 10 })),
    message: value,
    level: fc.constantFrom('INFO', 'WARN', 'nope'),
    commands: fc.array(fc.string({ maxLength: 10 }), { maxLength: 3 }),
    timeout: fc.constantFrom('PT1S', 'P1D', 'soon', 5),
    retry: fc.record(
      {
        type: fc.constantFrom('constant', 'exponential', 'x'),
        maxAttempts: fc.oneof(fc.integer(), fc.string()),
      },
      { requiredKeys: [] },
    ),
    extra: value,
  },
  { requiredKeys: ['id', 'type'] },
);
const input = fc.record(
  {
    id: ident,
    type: fc.oneof(fc.constantFrom(...INPUT_TYPES), fc.string({ maxLength: 6 })),
    defaults: value,
    required: fc.boolean(),
    // Validators from a fixed list: a random one could backtrack for ever on a random default.
    validator: fc.constantFrom('^a+$', '[0-9]{2}', '(', 'x|y'),
    values: fc.array(fc.string({ maxLength: 4 }), { maxLength: 3 }),
    min: fc.oneof(fc.integer(), fc.string({ maxLength: 3 })),
  },
  { requiredKeys: ['id', 'type'] },
);
const trigger = fc.record(
  {
    id: ident,
    type: fc.oneof(fc.constantFrom(...registry.triggerTypes()), fc.string({ maxLength: 10 })),
    key: fc.string({ maxLength: 24 }),
    cron: fc.constantFrom('* * * * *', '0 0 * * 7', 'never', '@daily'),
    interval: fc.constantFrom('PT1M', 'P1D', 'x'),
    conditions: fc.array(value, { maxLength: 2 }),
    inputs: value,
  },
  { requiredKeys: ['id', 'type'] },
);
const flow = fc.record(
  {
    id: ident,
    namespace: fc.oneof(fc.stringMatching(/^[a-z]+(\.[a-z]+){0,2}$/), fc.string({ maxLength: 6 })),
    description: value,
    inputs: fc.array(input, { maxLength: 3 }),
    variables: value,
    tasks: fc.array(fc.oneof(task, value), { maxLength: 4 }),
    errors: fc.array(task, { maxLength: 2 }),
    finally: fc.array(task, { maxLength: 2 }),
    triggers: fc.array(trigger, { maxLength: 2 }),
    outputs: fc.array(fc.record({ id: ident, type: fc.constantFrom('STRING', 'INT'), value }), {
      maxLength: 2,
    }),
    pluginDefaults: fc.array(fc.record({ type: fc.string({ maxLength: 10 }), values: value }), {
      maxLength: 2,
    }),
    labels: value,
    concurrency: fc.record({
      limit: fc.oneof(fc.integer(), fc.string()),
      behavior: fc.constantFrom('QUEUE', 'x'),
    }),
    disabled: fc.boolean(),
    runsOn: fc.constantFrom('hub', 'agents', 'mars'),
  },
  { requiredKeys: ['tasks'] },
);

// Flows that are valid by construction (nested flowables, typed inputs, triggers), so the properties also reach the accepting paths.
const name = fc.stringMatching(/^[a-z][a-z0-9_]{0,6}$/);
const template = fc.constantFrom(
  'plain text',
  '{{ inputs.n }}',
  "{{ 'a' ~ 'b' | upper }}",
  '{% if true %}x{% endif %}',
  '{{ [1,2] | length }}',
);
const validTask: fc.Arbitrary<Record<string, unknown>> = fc.letrec((tie) => ({
  task: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    fc.record({
      type: fc.constant('log'),
      message: template,
      level: fc.constantFrom('INFO', 'WARN', 'DEBUG'),
    }),
    fc.record({
      type: fc.constant('output'),
      values: fc.dictionary(name, fc.oneof(template, fc.integer()), { maxKeys: 3 }),
    }),
    fc.record({ type: fc.constant('fail'), errorMessage: template }),
    fc.record({
      type: fc.constant('sequential'),
      tasks: fc.array(tie('task'), { minLength: 1, maxLength: 2 }),
    }),
    fc.record({
      type: fc.constant('if'),
      condition: fc.constantFrom('{{ true }}', '{{ inputs.n > 1 }}'),
      // biome-ignore lint/suspicious/noThenProperty: `then` is the if task's property; the record is never awaited.
      then: fc.array(tie('task'), { minLength: 1, maxLength: 2 }),
    }),
    fc.record({
      type: fc.constant('foreach'),
      values: fc.constant(['a', 'b']),
      tasks: fc.array(tie('task'), { minLength: 1, maxLength: 2 }),
    }),
  ),
})).task as fc.Arbitrary<Record<string, unknown>>;

/** Gives every task in the tree a distinct id, as the loader requires. */
function numbered(tasks: unknown[], next = { n: 0 }): unknown[] {
  return tasks.map((t) => {
    const task: Record<string, unknown> = { ...(t as Record<string, unknown>), id: `t${next.n++}` };
    for (const key of ['tasks', 'then'])
      if (Array.isArray(task[key])) task[key] = numbered(task[key] as unknown[], next);
    return task;
  });
}

const validFlow = fc
  .record({
    id: name,
    namespace: fc.stringMatching(/^[a-z]+(\.[a-z]+){0,2}$/),
    tasks: fc.array(validTask, { minLength: 1, maxLength: 4 }),
    inputs: fc.constantFrom(
      [],
      [{ id: 'n', type: 'INT', defaults: 2 }],
      [
        { id: 'n', type: 'INT', required: false },
        { id: 's', type: 'STRING', defaults: '{{ 1 + 1 }}' },
      ],
    ),
    triggers: fc.constantFrom(
      [],
      [{ id: 'every', type: 'schedule', cron: '*/5 * * * *' }],
      [{ id: 'hook', type: 'webhook', key: '0123456789abcdef-key' }],
    ),
  })
  .map((f) => ({ ...f, tasks: numbered(f.tasks) }));

/** A valid flow with one value somewhere replaced by something odd: mostly refused, never thrown at. */
const mutatedFlow = fc
  .tuple(validFlow, fc.array(fc.string({ maxLength: 6 }), { minLength: 1, maxLength: 3 }), value)
  .map(([f, path, odd]) => {
    const copy = JSON.parse(JSON.stringify(f)) as Record<string, unknown>;
    let node: Record<string, unknown> = copy;
    for (const key of path.slice(0, -1)) {
      const next = node[key];
      if (typeof next !== 'object' || next === null) break;
      node = next as Record<string, unknown>;
    }
    node[path[path.length - 1]!] = odd;
    return copy;
  });

describe('flow loader fuzz', () => {
  it('answers any text with a flow or located problems, and never throws', () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 400 }), (text) => expectWellFormed(load(text))),
      runs(300),
    );
  });

  it('answers YAML built from tricky pieces (anchors, merges, tags, documents) the same way', () => {
    fc.assert(
      fc.property(yamlText, (text) => expectWellFormed(load(text))),
      runs(400),
    );
  });

  it('answers any JSON value written as YAML the same way', () => {
    fc.assert(
      fc.property(fc.jsonValue({ maxDepth: 4 }), (json) => expectWellFormed(load(stringify(json)))),
      runs(200),
    );
  });

  it('answers structured flows (known and unknown types, odd values everywhere) the same way', () => {
    fc.assert(
      fc.property(flow, (f) => expectWellFormed(load(stringify(f)))),
      runs(400),
    );
  });

  it('loads flows that are valid by construction, and loads a loaded flow written back as YAML to the same flow', () => {
    fc.assert(
      fc.property(validFlow, (f) => {
        const first = load(stringify(f));
        expect(first.problems).toEqual([]);
        expectWellFormed(first);
        expect(load(stringify(first.flow)).flow).toEqual(first.flow);
      }),
      runs(200),
    );
  });

  it('answers valid flows with one odd value anywhere with a flow or located problems', () => {
    fc.assert(
      fc.property(mutatedFlow, (f) => expectWellFormed(load(stringify(f)))),
      runs(300),
    );
  });

  it('loads every structured flow that is valid the same way twice (parsing is deterministic)', () => {
    fc.assert(
      fc.property(flow, (f) => {
        const source = stringify(f);
        expect(load(source)).toEqual(load(source));
      }),
      runs(100),
    );
  });
});
