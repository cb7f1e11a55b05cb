/** Kestra's log.Fetch, debug.Echo and older state store (state.Set/Get/Delete) on the real engine and SQLite store. */
import { readFileSync } from 'node:fs';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { type EngineFixture, engineFixture } from '../support/engine.js';

let fx: EngineFixture;
beforeEach(() => {
  fx = engineFixture();
});
afterEach(async () => {
  await fx.close();
});

const stored = (uri: unknown) =>
  readFileSync(fx.store.files.localPath(String(uri)), 'utf8')
    .split('\n')
    .filter((line) => line !== '')
    .map((line) => JSON.parse(line) as Record<string, unknown>);

describe('log.Fetch', () => {
  const flow = (fetch: string) => `
id: fetch-logs
namespace: test
tasks:
  - id: hello
    type: io.kestra.plugin.core.log.Log
    message: Hello World
  - id: noisy
    type: io.kestra.plugin.core.log.Log
    level: DEBUG
    message: detail
  - id: error_message
    type: io.kestra.plugin.core.log.Log
    level: ERROR
    message: This is an error message
  - id: fetch
    type: io.kestra.plugin.core.log.Fetch
${fetch}
`;

  it('stores the lines at INFO and above by default, with their count', async () => {
    const r = await fx.run(flow('    executionId: "{{ execution.id }}"'));
    const lines = stored(r.run('fetch').outputs.uri);
    expect([r.run('fetch').outputs.size, lines.map((l) => [l.taskId, l.level, l.message])]).toEqual([
      2,
      [
        ['hello', 'INFO', 'Hello World'],
        ['error_message', 'ERROR', 'This is an error message'],
      ],
    ]);
  });

  it('keeps the lines of tasksId at level or above', async () => {
    const r = await fx.run(flow('    level: DEBUG\n    tasksId: [noisy, error_message]'));
    expect(stored(r.run('fetch').outputs.uri).map((l) => l.message)).toEqual([
      'detail',
      'This is an error message',
    ]);
  });

  it('fetches the logs of another execution', async () => {
    const first = await fx.run(flow('    level: ERROR'));
    const r = await fx.run(
      `
id: fetch-other
namespace: test
inputs:
  - id: target
    type: STRING
tasks:
  - id: fetch
    type: io.kestra.plugin.core.log.Fetch
    executionId: "{{ inputs.target }}"
    level: ERROR
`,
      { inputs: { target: first.execution.id } },
    );
    expect(stored(r.run('fetch').outputs.uri).map((l) => [l.executionId, l.message])).toEqual([
      [first.execution.id, 'This is an error message'],
    ]);
  });
});

describe('debug.Echo', () => {
  it('logs format at the given level', async () => {
    const r = await fx.run(`
id: echo
namespace: test
tasks:
  - id: before
    type: io.kestra.core.tasks.debugs.Echo
    format: "I'm before {{ 1 + 1 }}"
    level: WARN
`);
    expect(r.logs.map((l) => [l.level, l.message])).toEqual([['WARN', "I'm before 2"]]);
  });
});

describe('debug.Return', () => {
  it('gives its rendered format as text, as Kestra does, even for a single expression', async () => {
    const r = await fx.run(`
id: returns
namespace: test
tasks:
  - { id: sum, type: io.kestra.plugin.core.debug.Return, format: "{{ 1 + 2 }}" }
  - { id: decimal, type: io.kestra.plugin.core.debug.Return, format: "{{ 1.5 + 1.5 }}" }
  - { id: list, type: io.kestra.plugin.core.debug.Return, format: "{{ [1, 'a'] }}" }
  - { id: map, type: io.kestra.core.tasks.debugs.Return, format: "{{ {'a': true} }}" }
  - { id: literal, type: io.kestra.plugin.core.debug.Return, format: 42 }
  - { id: mixed, type: io.kestra.plugin.core.debug.Return, format: "sum {{ outputs.sum.value }}" }
  - id: compare
    type: io.kestra.plugin.core.debug.Return
    format: "{{ outputs.sum.value == '3' }} {{ outputs.sum.value == 3 }}"
`);
    expect(r.execution.state).toBe('SUCCESS');
    const value = (id: string) => r.run(id).outputs.value;
    expect(['sum', 'decimal', 'list', 'map', 'literal', 'mixed', 'compare'].map(value)).toEqual([
      '3',
      '3.0',
      '[1,"a"]',
      '{"a":true}',
      '42',
      'sum 3',
      'true false',
    ]);
  });
});

describe('state.Set, state.Get and state.Delete', () => {
  const setFlow = `
id: states
namespace: test
inputs:
  - id: file
    type: STRING
tasks:
  - id: set
    type: io.kestra.plugin.core.state.Set
    name: seen
    data:
      "{{ inputs.file }}": done
      meta: { last: "{{ inputs.file }}" }
  - id: get
    type: io.kestra.plugin.core.state.Get
    name: seen
`;

  it('merges data into the state kept for the next executions of the flow', async () => {
    await fx.run(setFlow, { inputs: { file: 'a.csv' } });
    const r = await fx.run(setFlow, { inputs: { file: 'b.csv' } });
    expect([r.run('set').outputs, r.run('get').outputs]).toEqual([
      { count: 3, key: 'tasks-states.states.seen' },
      { count: 3, data: { 'a.csv': 'done', 'b.csv': 'done', meta: { last: 'b.csv' } } },
    ]);
  });

  it('stores an expression as the text it renders to, and a literal number as a number', async () => {
    const r = await fx.run(`
id: counter
namespace: test
tasks:
  - id: set
    type: io.kestra.plugin.core.state.Set
    name: counter
    data:
      start: 1
      next: "{{ 1 + 1 }}"
  - id: get
    type: io.kestra.plugin.core.state.Get
    name: counter
`);
    expect(r.run('get').outputs.data).toEqual({ start: 1, next: '2' });
  });

  it("keeps a flow's state from other flows unless namespace is true", async () => {
    await fx.run(setFlow, { inputs: { file: 'a.csv' } });
    const r = await fx.run(`
id: other
namespace: test
tasks:
  - id: own
    type: io.kestra.plugin.core.state.Get
    name: seen
  - id: share
    type: io.kestra.plugin.core.state.Set
    name: seen
    namespace: true
    data: { shared: yes }
  - id: shared
    type: io.kestra.plugin.core.state.Get
    name: seen
    namespace: true
`);
    expect([r.run('own').outputs, r.run('shared').outputs]).toEqual([
      { count: 0, data: {} },
      { count: 1, data: { shared: 'yes' } },
    ]);
  });

  it('keeps one state per loop value by default, one for all with taskrunValue false', async () => {
    const r = await fx.run(`
id: per-value
namespace: test
tasks:
  - id: each
    type: io.kestra.plugin.core.flow.ForEach
    values: [a, b]
    tasks:
      - id: own
        type: io.kestra.plugin.core.state.Set
        data: { "{{ taskrun.value }}": 1 }
      - id: all
        type: io.kestra.plugin.core.state.Set
        taskrunValue: false
        data: { "{{ taskrun.value }}": 1 }
`);
    expect([r.run('own', 'b').outputs.count, r.run('all', 'b').outputs.count]).toEqual([1, 2]);
  });

  it('deletes a state, and tells whether there was one', async () => {
    await fx.run(setFlow, { inputs: { file: 'a.csv' } });
    const r = await fx.run(`
id: states
namespace: test
tasks:
  - id: delete
    type: io.kestra.plugin.core.state.Delete
    name: seen
  - id: again
    type: io.kestra.plugin.core.state.Delete
    name: seen
  - id: get
    type: io.kestra.plugin.core.state.Get
    name: seen
    errorOnMissing: true
`);
    expect([r.run('delete').outputs, r.run('again').outputs, r.run('get').error]).toEqual([
      { deleted: true },
      { deleted: false },
      "Unable to find the state file 'seen'",
    ]);
  });
});

describe('errorLogs()', () => {
  it("gives an errors handler the execution's ERROR lines, a task's own and the failure's, as Kestra's LogEntry", async () => {
    const r = await fx.run(`
id: error-logs
namespace: test
tasks:
  - id: warn
    type: io.kestra.plugin.core.log.Log
    level: WARN
    message: not an error
  - id: noted
    type: io.kestra.plugin.core.log.Log
    level: ERROR
    message: first error message
  - id: boom
    type: io.kestra.plugin.core.execution.Fail
    errorMessage: second error message
errors:
  - id: report
    type: io.kestra.plugin.core.log.Log
    message: "{% for entry in errorLogs() %}{{ entry.taskId }}/{{ entry.level }}/{{ entry.flowId }}: {{ entry.message }};{% endfor %}"
`);
    expect(r.execution.state).toBe('FAILED');
    expect(r.messages('report')).toEqual([
      'noted/ERROR/error-logs: first error message;boom/ERROR/error-logs: second error message;',
    ]);
  });

  it('keeps the newest 100 ERROR lines of a noisy execution, while its log keeps them all', async () => {
    const errors = Array.from({ length: 250 }, (_, i) => `error ${i + 1}`);
    const r = await fx.run(`
id: noisy-errors
namespace: test
tasks:
  - id: noisy
    type: io.kestra.plugin.core.log.Log
    level: ERROR
    message: ${JSON.stringify(errors)}
  - id: report
    type: io.kestra.plugin.core.log.Log
    message: "{{ errorLogs() | length }} {{ (errorLogs() | first).message }} {{ (errorLogs() | last).message }}"
`);
    expect(r.messages('noisy')).toHaveLength(250);
    expect(r.messages('report')).toEqual(['100 error 151 error 250']);
  });
});
