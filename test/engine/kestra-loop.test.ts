/** Kestra 2's `Loop`: one iteration per value, `item`, iteration-local outputs, declared outputs and failure policy. */
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

const values = (r: { taskRuns: { taskId: string; outputs: Record<string, unknown> }[] }, taskId: string) =>
  r.taskRuns.filter((t) => t.taskId === taskId).map((t) => t.outputs.value);

describe('Loop', () => {
  it('runs its tasks once per distinct value, with item.index and item.value, and counts the iterations', async () => {
    const r = await fx.run(`
id: sites
namespace: test
tasks:
  - id: each_site
    type: io.kestra.plugin.core.flow.Loop
    concurrencyLimit: 1
    values: [north, 7, north, {zone: b}]
    tasks:
      - id: greet
        type: io.kestra.plugin.core.debug.Return
        format: "{{ item.index }}={{ item.value }}"
`);
    expect(r.execution.state).toBe('SUCCESS');
    expect(values(r, 'greet')).toEqual(['0=north', '1=7', '2={"zone":"b"}']);
    expect(r.run('each_site').outputs).toEqual({
      iterationCount: 3,
      runningIterations: 0,
      terminatedIterations: { SUCCESS: 3 },
    });
  });

  it('gives item.key for a map, and a nested loop the enclosing iterations as item.parent and item.parents', async () => {
    const r = await fx.run(`
id: grid
namespace: test
tasks:
  - id: rows
    type: io.kestra.plugin.core.flow.Loop
    concurrencyLimit: 1
    values: {north: N, south: S}
    tasks:
      - id: cells
        type: io.kestra.plugin.core.flow.Loop
        concurrencyLimit: 1
        values: [a, b]
        tasks:
          - id: cell
            type: io.kestra.plugin.core.debug.Return
            format: "{{ item.parents[0].key }}/{{ item.parent.value }}/{{ item.index }}:{{ item.value }}"
`);
    expect(r.execution.state).toBe('SUCCESS');
    expect(values(r, 'cell')).toEqual(['north/N/0:a', 'north/N/1:b', 'south/S/0:a', 'south/S/1:b']);
  });

  it("reads its tasks' outputs as the iteration's own, even when iterations run at once", async () => {
    const r = await fx.run(`
id: local
namespace: test
tasks:
  - id: before
    type: io.kestra.plugin.core.debug.Return
    format: outside
  - id: each
    type: io.kestra.plugin.core.flow.Loop
    values: [x, y, z]
    tasks:
      - id: first
        type: io.kestra.plugin.core.debug.Return
        format: "{{ item.value }}"
      - id: second
        type: io.kestra.plugin.core.debug.Return
        format: "{{ outputs.before.value }} {{ outputs.first.value }}"
`);
    expect(r.execution.state).toBe('SUCCESS');
    expect(values(r, 'second').sort()).toEqual(['outside x', 'outside y', 'outside z']);
  });

  it('lists the declared outputs of each iteration for the tasks after it, as loopOutputs() reads them', async () => {
    const r = await fx.run(`
id: gathered
namespace: test
tasks:
  - id: each
    type: io.kestra.plugin.core.flow.Loop
    values: [a, b]
    outputs:
      - id: size
        type: INT
        value: "{{ outputs.measure.value | length }}"
    tasks:
      - id: measure
        type: io.kestra.plugin.core.debug.Return
        format: "{{ item.value }}{{ item.value }}{{ item.index }}"
  - id: sizes
    type: io.kestra.plugin.core.debug.Return
    format: "{{ loopOutputs(outputs.each.outputs, 'size') }}"
`);
    expect(r.execution.state).toBe('SUCCESS');
    expect(r.run('each').outputs.outputs).toEqual([
      { item: { value: 'a', iteration: 0 }, outputs: { size: 3 } },
      { item: { value: 'b', iteration: 1 }, outputs: { size: 3 } },
    ]);
    expect(r.run('sizes').outputs.value).toBe('[3,3]');
  });

  it('stores each iteration outputs as a file with fetchType STORE', async () => {
    const r = await fx.run(`
id: stored
namespace: test
tasks:
  - id: each
    type: io.kestra.plugin.core.flow.Loop
    fetchType: STORE
    values: [a]
    outputs:
      - id: upper
        type: STRING
        value: "{{ outputs.up.value }}"
    tasks:
      - id: up
        type: io.kestra.plugin.core.debug.Return
        format: "{{ item.value | upper }}"
`);
    expect(r.execution.state).toBe('SUCCESS');
    const [entry] = r.run('each').outputs.outputs as { outputs: { uri: string } }[];
    const path = fx.store.files.localPath(entry!.outputs.uri);
    expect(JSON.parse(readFileSync(path, 'utf8'))).toEqual({ upper: 'A' });
  });

  it('iterates over the ION values of a stored file, a struct as JSON, and then stores the outputs (fetchType AUTO)', async () => {
    const r = await fx.run(`
id: from_file
namespace: test
tasks:
  - id: write
    type: io.kestra.plugin.core.storage.Write
    extension: .ion
    content: |
      "first"
      {site:"north"}
  - id: each
    type: io.kestra.plugin.core.flow.Loop
    values: "{{ outputs.write.uri }}"
    outputs:
      - id: seen
        type: STRING
        value: "{{ outputs.echo.value }}"
    tasks:
      - id: echo
        type: io.kestra.plugin.core.debug.Return
        format: "{{ item.index }} {{ item.value }}"
`);
    expect(r.execution.state).toBe('SUCCESS');
    expect(values(r, 'echo').sort()).toEqual(['0 first', '1 {"site":"north"}']);
    const stored = (r.run('each').outputs.outputs as { outputs: { uri: string } }[]).map((e) =>
      JSON.parse(readFileSync(fx.store.files.localPath(e.outputs.uri), 'utf8')),
    );
    expect(stored).toEqual([{ seen: '0 first' }, { seen: '1 {"site":"north"}' }]);
  });

  it('fails on the first failed iteration and starts no other', async () => {
    const r = await fx.run(`
id: failing
namespace: test
tasks:
  - id: each
    type: io.kestra.plugin.core.flow.Loop
    concurrencyLimit: 1
    values: [a, b, c]
    tasks:
      - id: boom
        type: io.kestra.plugin.core.execution.Fail
`);
    expect(r.execution.state).toBe('FAILED');
    expect(r.taskRuns.filter((t) => t.taskId === 'boom')).toHaveLength(1);
    expect(r.run('each').outputs.terminatedIterations).toEqual({ FAILED: 1 });
  });

  it('runs every iteration and succeeds with transmitFailed false', async () => {
    const r = await fx.run(`
id: tolerant
namespace: test
tasks:
  - id: each
    type: io.kestra.plugin.core.flow.Loop
    transmitFailed: false
    concurrencyLimit: 1
    values: [a, b, c]
    tasks:
      - id: boom
        type: io.kestra.plugin.core.execution.Fail
`);
    expect(r.execution.state).toBe('SUCCESS');
    expect(r.run('each').outputs.terminatedIterations).toEqual({ FAILED: 3 });
  });

  it('fails the iteration whose declared outputs cannot be rendered, saying why', async () => {
    const r = await fx.run(`
id: unrenderable
namespace: test
tasks:
  - id: each
    type: io.kestra.plugin.core.flow.Loop
    concurrencyLimit: 1
    values: [a, b]
    outputs:
      - id: missing
        type: STRING
        value: "{{ outputs.nowhere.value }}"
    tasks:
      - id: fine
        type: io.kestra.plugin.core.debug.Return
        format: ok
`);
    expect(r.execution.state).toBe('FAILED');
    expect(r.taskRuns.filter((t) => t.taskId === 'fine').map((t) => t.state)).toEqual(['SUCCESS']);
    expect(r.messages('each').join('\n')).toContain('outputs of iteration 0');
  });

  it('starts no further iteration once breakWhen holds', async () => {
    const r = await fx.run(`
id: breaking
namespace: test
tasks:
  - id: each
    type: io.kestra.plugin.core.flow.Loop
    concurrencyLimit: 1
    values: [a, b, c]
    breakWhen: "{{ item.value == 'b' and iteration.state == 'SUCCESS' }}"
    tasks:
      - id: step
        type: io.kestra.plugin.core.debug.Return
        format: "{{ item.value }}"
`);
    expect(r.execution.state).toBe('SUCCESS');
    expect(values(r, 'step')).toEqual(['a', 'b']);
    expect(r.run('each').outputs.terminatedIterations).toEqual({ SUCCESS: 2 });
  });

  it('refuses a null value with Kestra’s message', async () => {
    const r = await fx.run(`
id: holes
namespace: test
tasks:
  - id: each
    type: io.kestra.plugin.core.flow.Loop
    values: [a, null]
    tasks:
      - id: step
        type: io.kestra.plugin.core.debug.Return
        format: "{{ item.value }}"
`);
    expect(r.execution.state).toBe('FAILED');
    expect(r.run('each').error).toContain('Found a null value inside the iteration values=["a",null]');
  });
});
