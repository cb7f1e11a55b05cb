import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { createRegistry } from '../plugins/registry.js';
import { formatProblem, type Problem } from '../protocol/errors.js';
import { testTasks, testTriggers, where } from '../test/fixtures/loader/support.js';
import { findFlowFiles, formatPath, loadFlowFile, parseFlow } from './flow-loader.js';

const registry = createRegistry(testTasks, testTriggers);
const fixtures = join(import.meta.dirname, '../test/fixtures/loader');

/** A flow around the given task list (YAML indented by two spaces). */
const flowWith = (tasks: string, extra = '') => `id: f\nnamespace: test\n${extra}tasks:\n${tasks}`;

const problemsOf = (source: string, options = {}) => parseFlow(source, registry, options).problems;
const only = (problems: Problem[]) => {
  expect(problems).toHaveLength(1);
  return problems[0]!;
};

describe('parseFlow: valid flows', () => {
  it('returns the flow as a plain object with no problems', async () => {
    const source = await readFile(join(fixtures, 'hello.yml'), 'utf8');
    const { flow, problems } = parseFlow(source, registry);
    expect(problems).toEqual([]);
    expect(flow?.id).toBe('hello');
    expect(Object.getPrototypeOf(flow?.tasks[0])).toBe(Object.prototype);
    expect(JSON.parse(JSON.stringify(flow))).toEqual(flow);
  });

  it('resolves anchors, aliases and merge keys', async () => {
    const source = await readFile(join(fixtures, 'hello.yml'), 'utf8');
    const { flow } = parseFlow(source, registry);
    type Loose = Record<string, unknown>;
    const [say, check] = (flow?.tasks ?? []) as unknown as [Loose, { then: Loose[]; else: Loose[] }];
    expect(check.then[0]).toEqual({ id: 'loud', type: 'log', message: say.message, level: 'WARN' });
    expect(check.else[0]?.message).toBe(flow?.variables?.greeting);
  });
});

describe('parseFlow: YAML syntax', () => {
  it('reports a syntax error with its line and column', () => {
    const source = 'id: f\nnamespace: test\ntasks: [\n  { id: a, type: log\n';
    const problem = problemsOf(source)[0];
    expect(problem?.line).toBeGreaterThanOrEqual(3);
    expect(problem?.column).toBeGreaterThanOrEqual(1);
  });

  it('reports a duplicate key at the second one', () => {
    const source = 'id: f\nid: g\nnamespace: test\ntasks: []\n';
    expect(only(problemsOf(source))).toMatchObject({
      ...where(source, 'id: g'),
      message: 'Map keys must be unique',
    });
  });

  it('refuses a second YAML document', () => {
    const source = `${flowWith('  - id: a\n    type: log\n    message: hi\n')}---\nid: other\n`;
    expect(only(problemsOf(source))).toMatchObject({
      ...where(source, 'id: other'),
      message: expect.stringMatching(/one flow per file/),
    });
  });

  it('locates an alias that names no anchor', () => {
    const source = flowWith('  - id: a\n    type: log\n    message: *missing\n');
    expect(only(problemsOf(source))).toMatchObject({
      ...where(source, '*missing'),
      message: expect.stringMatching(/no anchor/),
    });
  });

  it('reports an empty document', () => {
    expect(only(problemsOf('# nothing here\n')).message).toMatch(/empty/);
  });

  it.each([
    ['a list', '- a\n- b\n'],
    ['a scalar', 'just text\n'],
    ['broken flow syntax', '{a: [}\n'],
    ['an unknown tag', 'id: !!binary x\nnamespace: t\ntasks: []\n'],
    [
      'an alias bomb',
      'a: &a [x, x, x, x, x, x, x, x, x]\nb: &b [*a, *a, *a, *a, *a, *a, *a, *a, *a]\nc: &c [*b, *b, *b, *b, *b, *b, *b, *b, *b]\nd: &d [*c, *c, *c, *c, *c, *c, *c, *c, *c]\ne: [*d, *d, *d, *d, *d, *d, *d, *d, *d]\n',
    ],
    ['an undefined alias', 'id: *nowhere\n'],
    ['an alias inside its own anchor', 'id: f\nnamespace: t\nvariables: &v\n  self: [*v]\ntasks: []\n'],
    ['tabs for indentation', 'id: f\ntasks:\n\t- id: a\n'],
  ])('returns problems rather than throwing for %s', (_what, source) => {
    const result = parseFlow(source, registry);
    expect(result.flow).toBeUndefined();
    expect(result.problems.length).toBeGreaterThan(0);
  });
});

describe('parseFlow: schema problems', () => {
  it('reports every problem of the document at once', async () => {
    const source = await readFile(join(fixtures, 'invalid.yml'), 'utf8');
    expect(problemsOf(source).map((p) => p.path)).toEqual([
      'tasks[0]',
      'tasks[0]',
      'tasks[1]',
      'tasks[2].retry.maxAttempts',
      'tasks[3].type',
    ]);
  });

  it('locates a wrong value at its node, with a path through lists and maps', async () => {
    const source = await readFile(join(fixtures, 'invalid.yml'), 'utf8');
    const problem = problemsOf(source, { file: 'invalid.yml' }).find((p) => p.path.endsWith('maxAttempts'));
    const { line, column } = where(source, '2.5');
    expect(problem && formatProblem(problem)).toBe(
      `invalid.yml:${line}:${column}: tasks[2].retry.maxAttempts: must be an integer`,
    );
  });

  it('locates an unknown property at its key and suggests the known one', async () => {
    const source = await readFile(join(fixtures, 'invalid.yml'), 'utf8');
    const problem = problemsOf(source).find((p) => p.message.startsWith('unknown property'));
    expect(problem).toMatchObject({
      path: 'tasks[0]',
      ...where(source, 'comands'),
      message: "unknown property 'comands' (did you mean 'commands'?)",
    });
  });

  it('locates a missing property at its parent object', async () => {
    const source = await readFile(join(fixtures, 'invalid.yml'), 'utf8');
    const problem = problemsOf(source).find((p) => p.path === 'tasks[1]');
    expect(problem).toMatchObject({
      ...where(source, 'id: second'),
      message: "missing required property 'message'",
    });
  });

  it('reports a missing top-level property at the document', () => {
    const source = 'id: f\nnamespace: test\n';
    expect(only(problemsOf(source))).toMatchObject({
      path: '',
      line: 1,
      column: 1,
      message: "missing required property 'tasks'",
    });
  });

  it('names the allowed values of an enumeration', () => {
    const source = flowWith('  - id: a\n    type: log\n    message: hi\n    retry:\n      type: constnt\n');
    expect(only(problemsOf(source))).toMatchObject({
      path: 'tasks[0].retry.type',
      message: 'must be one of: constant, exponential, random',
    });
  });

  it('reports an unknown task type with the closest known one', async () => {
    const source = await readFile(join(fixtures, 'invalid.yml'), 'utf8');
    const problem = problemsOf(source).find((p) => p.path === 'tasks[3].type');
    expect(problem).toMatchObject({
      ...where(source, 'io.kestra.plugin.core.log.Lg'),
      message: "unknown type 'io.kestra.plugin.core.log.Lg' (did you mean 'io.kestra.plugin.core.log.Log'?)",
    });
  });

  it('checks tasks nested in a flowable', () => {
    const source = flowWith(
      '  - id: a\n    type: if\n    condition: true\n    then:\n      - id: b\n        type: sequental\n',
    );
    expect(only(problemsOf(source))).toMatchObject({
      path: 'tasks[0].then[0].type',
      message: "unknown type 'sequental' (did you mean 'sequential'?)",
    });
  });

  it('checks tasks nested in a map of task lists', () => {
    const source = flowWith(
      '  - id: a\n    type: switch\n    value: x\n    cases:\n      "x y":\n        - id: b\n          type: log\n',
    );
    expect(only(problemsOf(source))).toMatchObject({
      path: 'tasks[0].cases["x y"][0]',
      ...where(source, 'id: b'),
    });
  });

  it('checks the tasks of errors and finally', () => {
    const source = flowWith(
      '  - id: a\n    type: log\n    message: hi\n',
      'errors:\n  - id: e\n    type: log\nfinally:\n  - id: f\n    type: shel\n',
    );
    expect(problemsOf(source).map((p) => p.path)).toEqual(['errors[0]', 'finally[0].type']);
  });
});

describe('parseFlow: flow-wide checks', () => {
  it('reports a duplicate task id at its second use, naming the first one’s line', () => {
    const source = flowWith(
      '  - id: same\n    type: log\n    message: a\n  - id: b\n    type: sequential\n    tasks:\n      - id: same\n        type: log\n        message: b\n',
    );
    expect(only(problemsOf(source))).toMatchObject({
      path: 'tasks[1].tasks[0].id',
      ...where(source, 'same', 2),
      message: `duplicate task id 'same' (first used at tasks[0].id, line ${where(source, 'same').line})`,
    });
  });

  it('counts task ids in errors and finally as part of the flow', () => {
    const source = flowWith(
      '  - id: same\n    type: log\n    message: a\n',
      'finally:\n  - id: same\n    type: log\n    message: b\n',
    );
    expect(only(problemsOf(source)).path).toBe('finally[0].id');
  });

  it('reports duplicate input ids', () => {
    const source = flowWith(
      '  - id: a\n    type: log\n    message: a\n',
      'inputs:\n  - id: n\n    type: INT\n  - id: n\n    type: STRING\n',
    );
    expect(only(problemsOf(source))).toMatchObject({
      path: 'inputs[1].id',
      ...where(source, 'n\n    type: STRING'),
    });
  });

  it('reports a default that does not fit its input type', () => {
    const source = flowWith(
      '  - id: a\n    type: log\n    message: a\n',
      'inputs:\n  - id: n\n    type: INT\n    defaults: many\n',
    );
    expect(only(problemsOf(source))).toMatchObject({
      path: 'inputs[0].defaults',
      message: expect.stringMatching(/integer/),
    });
  });

  it('leaves a templated default to be checked when it is rendered', () => {
    const source = flowWith(
      '  - id: a\n    type: log\n    message: a\n',
      'inputs:\n  - id: n\n    type: INT\n    defaults: "{{ 1 + 1 }}"\n',
    );
    expect(problemsOf(source)).toEqual([]);
  });

  it('reports a trigger’s own check at the property, with its line', () => {
    const source = flowWith(
      '  - id: a\n    type: log\n    message: hi\n',
      "triggers:\n  - id: nightly\n    type: schedule\n    cron: '0 2 * *'\n",
    );
    const problem = only(problemsOf(source));
    expect(problem).toMatchObject({ path: 'triggers[0].cron', message: 'needs 5 fields', line: 6 });
  });

  it('reports an input validator that is not a regular expression', () => {
    const source = flowWith(
      '  - id: a\n    type: log\n    message: a\n',
      'inputs:\n  - id: s\n    type: STRING\n    validator: "[a-"\n',
    );
    expect(only(problemsOf(source)).path).toBe('inputs[0].validator');
  });
});

describe('parseFlow: pluginDefaults', () => {
  const task = '  - id: a\n    type: io.kestra.plugin.core.log.Log\n';

  it('accepts a required property given by a default for the task’s type or alias', () => {
    const source = flowWith(
      task,
      'pluginDefaults:\n  - type: log\n    values:\n      message: from defaults\n',
    );
    expect(problemsOf(source)).toEqual([]);
  });

  it('returns the flow without the defaults merged in', () => {
    const source = flowWith(
      task,
      'pluginDefaults:\n  - type: log\n    values:\n      message: from defaults\n',
    );
    expect(parseFlow(source, registry).flow?.tasks[0]).toEqual({
      id: 'a',
      type: 'io.kestra.plugin.core.log.Log',
    });
  });

  it('reports a wrong value coming from a default', () => {
    const source = flowWith(
      task,
      'pluginDefaults:\n  - type: log\n    values:\n      message: m\n      level: LOUD\n',
    );
    expect(only(problemsOf(source))).toMatchObject({
      path: 'tasks[0].level',
      message: 'must be one of: INFO, WARN, ERROR (value from pluginDefaults)',
    });
  });

  it('ignores properties a prefix default gives to types that lack them', () => {
    const defaults =
      'pluginDefaults:\n  - type: io.kestra.plugin.core\n    values:\n      message: m\n      uri: http://x\n';
    expect(problemsOf(flowWith(task, defaults))).toEqual([]);
  });
});

describe('parseFlow: expressions', () => {
  const check = (template: string) => (template.includes('{{ }}') ? 'empty expression' : undefined);

  it('reports a template syntax error at the string holding it', () => {
    const source = flowWith('  - id: a\n    type: log\n    message: "hi {{ }}"\n');
    expect(only(problemsOf(source, { checkExpression: check }))).toMatchObject({
      path: 'tasks[0].message',
      ...where(source, '"hi {{ }}"'),
      message: 'empty expression',
    });
  });

  it('checks templates in input defaults, variables and outputs', () => {
    const extra =
      'inputs:\n  - id: s\n    type: STRING\n    defaults: "{{ }}"\nvariables:\n  v: "{{ }}"\noutputs:\n  - id: o\n    type: STRING\n    value: "{{ }}"\n';
    const source = flowWith('  - id: a\n    type: log\n    message: hi\n', extra);
    expect(problemsOf(source, { checkExpression: check }).map((p) => p.path)).toEqual([
      'inputs[0].defaults',
      'variables.v',
      'outputs[0].value',
    ]);
  });

  it('leaves templates unchecked without a checker', () => {
    const source = flowWith('  - id: a\n    type: log\n    message: "hi {{ }}"\n');
    expect(problemsOf(source)).toEqual([]);
  });

  it('reports a checker that throws as a problem', () => {
    const source = flowWith('  - id: a\n    type: log\n    message: "hi {{ x }}"\n');
    const throwing = () => {
      throw new Error('checker broke');
    };
    expect(only(problemsOf(source, { checkExpression: throwing })).message).toBe('checker broke');
  });
});

describe('parseFlow: results', () => {
  it('names the file in every problem', async () => {
    const source = await readFile(join(fixtures, 'invalid.yml'), 'utf8');
    const problems = problemsOf(source, { file: 'flows/invalid.yml' });
    expect(problems.every((p) => p.file === 'flows/invalid.yml')).toBe(true);
  });

  it('returns no flow when there is any problem', () => {
    const source = flowWith(
      '  - id: same\n    type: log\n    message: a\n  - id: same\n    type: log\n    message: b\n',
    );
    expect(parseFlow(source, registry).flow).toBeUndefined();
  });
});

describe('formatPath', () => {
  it('writes indexes in brackets and odd keys quoted', () => {
    expect(formatPath(['tasks', 2, 'cases', 'a b', 0, 'id'])).toBe('tasks[2].cases["a b"][0].id');
  });
});

describe('loadFlowFile', () => {
  it('reads and validates a flow file, keeping its text', async () => {
    const path = join(fixtures, 'hello.yml');
    const result = await loadFlowFile(path, registry);
    expect(result.problems).toEqual([]);
    expect(result.source).toBe(await readFile(path, 'utf8'));
  });

  it('names the file in its problems', async () => {
    const path = join(fixtures, 'invalid.yml');
    const result = await loadFlowFile(path, registry);
    expect(result.problems.every((p) => p.file === path)).toBe(true);
  });

  it('reports a missing file as a problem', async () => {
    const path = join(fixtures, 'missing.yml');
    const result = await loadFlowFile(path, registry);
    expect(only(result.problems)).toMatchObject({
      file: path,
      message: expect.stringMatching(/cannot read/),
    });
  });
});

describe('findFlowFiles', () => {
  const tree = join(fixtures, 'tree');

  it('finds .yml and .yaml files in folders, recursively and sorted', async () => {
    expect(await findFlowFiles([tree])).toEqual([join(tree, 'a.yml'), join(tree, 'team/b.yaml')]);
  });

  it('keeps a file named explicitly and lists each file once', async () => {
    const notes = join(tree, 'notes.txt');
    expect(await findFlowFiles([notes, tree, join(tree, 'a.yml')])).toEqual([
      join(tree, 'a.yml'),
      notes,
      join(tree, 'team/b.yaml'),
    ]);
  });

  it('rejects a path that does not exist', async () => {
    await expect(findFlowFiles([join(tree, 'nope')])).rejects.toThrow(/no such file or directory/);
  });
});
