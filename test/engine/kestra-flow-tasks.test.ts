/** Kestra's flowable tasks on the real engine: dag, sleep, waitFor, workingDirectory, forEachItem, eachSequential/eachParallel. */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { builtinRegistry } from '../../plugins/builtin.js';
import type { Execution, TaskRun } from '../../protocol/execution.js';
import { parseFlow } from '../../runtime/flow-loader.js';
import { ManualClock } from '../support/clock.js';
import { trackConcurrency } from '../support/concurrency.js';
import { type EngineFixture, engineFixture } from '../support/engine.js';

let fx: EngineFixture;
beforeEach(() => {
  fx = engineFixture();
});
afterEach(async () => {
  await fx.close();
});

const ms = (date: string | undefined): number => Date.parse(date ?? '');

/** The validation problems of a flow, as messages prefixed by their path. */
function problems(yaml: string): string[] {
  return parseFlow(yaml, builtinRegistry()).problems.map((p) => `${p.path}: ${p.message}`);
}

/** Stops the process of `before` (its store closes) and recovers its executions in a new one. */
async function restart(
  before: EngineFixture,
  dir: string,
  flows: string[],
  clock?: ManualClock,
): Promise<void> {
  before.store.close();
  fx = engineFixture({ dir, clock });
  for (const flow of flows) fx.flow(flow);
  await fx.engine.recover();
}

describe('dag', () => {
  it('starts each task as soon as its dependencies have ended, not waiting for unrelated ones', async () => {
    const r = await fx.run(`
id: dag
namespace: test
tasks:
  - id: graph
    type: io.kestra.plugin.core.flow.Dag
    tasks:
      - task: { id: first, type: log, message: first }
      - task: { id: slow, type: shell, commands: ['sleep 0.6'] }
        dependsOn: [first]
      - task: { id: quick, type: log, message: quick }
        dependsOn: [first]
      - task: { id: after-quick, type: log, message: after quick }
        dependsOn: [quick]
      - task: { id: join, type: log, message: join }
        dependsOn: [slow, after-quick]
`);
    expect(r.execution.state).toBe('SUCCESS');
    expect(r.run('graph').state).toBe('SUCCESS');
    const [first, slow, quick, afterQuick, join] = ['first', 'slow', 'quick', 'after-quick', 'join'].map(
      (id) => r.run(id),
    ) as TaskRun[];
    expect(ms(slow!.startDate)).toBeGreaterThanOrEqual(ms(first!.endDate));
    // after-quick ran while slow was still running: it did not wait for the whole "level".
    expect(ms(afterQuick!.endDate)).toBeLessThan(ms(slow!.endDate));
    expect(ms(join!.startDate)).toBeGreaterThanOrEqual(ms(slow!.endDate));
    expect(ms(join!.startDate)).toBeGreaterThanOrEqual(ms(afterQuick!.endDate));
    expect(quick!.parentTaskRunId).toBe(r.run('graph').id);
  });

  it('runs no more than `concurrent` tasks at once', async () => {
    const max = trackConcurrency(fx.engine, (id) => id.startsWith('p'));
    const r = await fx.run(`
id: dag-concurrent
namespace: test
tasks:
  - id: graph
    type: dag
    concurrent: 2
    tasks:
      - task: { id: p1, type: shell, commands: ['sleep 0.2'] }
      - task: { id: p2, type: shell, commands: ['sleep 0.2'] }
      - task: { id: p3, type: shell, commands: ['sleep 0.2'] }
      - task: { id: p4, type: shell, commands: ['sleep 0.2'] }
`);
    expect(r.execution.state).toBe('SUCCESS');
    expect(max()).toBe(2);
  });

  it('starts nothing that depends on a failed task, fails, and runs its errors', async () => {
    const r = await fx.run(`
id: dag-fail
namespace: test
tasks:
  - id: graph
    type: dag
    tasks:
      - task: { id: broken, type: fail, errorMessage: boom }
      - task: { id: downstream, type: log, message: never }
        dependsOn: [broken]
    errors:
      - { id: handler, type: log, message: handled }
`);
    expect(r.execution.state).toBe('FAILED');
    expect(r.run('graph').state).toBe('FAILED');
    expect(r.taskRuns.some((t) => t.taskId === 'downstream')).toBe(false);
    expect(r.run('handler').state).toBe('SUCCESS');
  });

  const stopping = (policy: string) => `
id: dag-stop
namespace: test
tasks:
  - id: graph
    type: io.kestra.plugin.core.flow.Dag
    onChildFailure: ${policy}
    tasks:
      - task: { id: long, type: io.kestra.plugin.core.flow.Sleep, duration: PT60S }
      - task: { id: broken, type: fail, errorMessage: boom }
    errors:
      - { id: handler, type: log, message: handled }
`;

  it('with onChildFailure CANCELLED, stops the tasks still running when one fails: CANCELLED, the dag FAILED', async () => {
    const r = await fx.run(stopping('CANCELLED'));
    expect(r.execution.state).toBe('FAILED');
    expect(r.run('graph').state).toBe('FAILED');
    expect(r.run('long').state).toBe('CANCELLED');
    expect(r.run('broken').state).toBe('FAILED');
    expect(r.run('handler').state).toBe('SUCCESS');
    expect(ms(r.run('long').endDate)).toBeLessThan(ms(r.run('long').startDate) + 30_000);
  });

  it('with onChildFailure FAILED, they end FAILED, saying why', async () => {
    const r = await fx.run(stopping('FAILED'));
    expect(r.execution.state).toBe('FAILED');
    expect(r.run('long').state).toBe('FAILED');
    expect(r.run('long').error).toBe('stopped: another task of the dag failed (onChildFailure: FAILED)');
    expect(r.run('handler').state).toBe('SUCCESS');
  });

  it('with onChildFailure CONTINUE (the default), lets them run to their end', async () => {
    const r = await fx.run(stopping('CONTINUE').replace('PT60S', 'PT0.3S'));
    expect(r.execution.state).toBe('FAILED');
    expect(r.run('long').state).toBe('SUCCESS');
    expect(r.run('handler').state).toBe('SUCCESS');
    expect(ms(r.run('handler').startDate)).toBeGreaterThanOrEqual(ms(r.run('long').endDate));
  });

  it('runs its errors and then its finally when a task fails, as Kestra does', async () => {
    const r = await fx.run(`
id: dag-finally
namespace: test
tasks:
  - id: graph
    type: io.kestra.plugin.core.flow.Dag
    tasks:
      - task: { id: broken, type: fail, errorMessage: boom }
    errors:
      - { id: handler, type: log, message: handled }
    finally:
      - { id: cleanup, type: log, message: "cleanup after {{ outputs.handler is defined }}" }
  - { id: after, type: log, message: never }
`);
    expect(r.execution.state).toBe('FAILED');
    expect(r.run('graph').state).toBe('FAILED');
    const [handler, cleanup] = [r.run('handler'), r.run('cleanup')];
    expect(handler.state).toBe('SUCCESS');
    expect(cleanup.state).toBe('SUCCESS');
    expect(cleanup.parentTaskRunId).toBe(r.run('graph').id);
    expect(ms(cleanup.startDate)).toBeGreaterThanOrEqual(ms(handler.endDate));
    expect(ms(r.run('graph').endDate)).toBeGreaterThanOrEqual(ms(cleanup.endDate));
    expect(r.taskRuns.some((t) => t.taskId === 'after')).toBe(false);
  });

  it('runs its finally after a success too, and fails when a finally task fails', async () => {
    const ok = await fx.run(`
id: dag-finally-ok
namespace: test
tasks:
  - id: graph
    type: dag
    tasks:
      - task: { id: work, type: log, message: work }
    errors:
      - { id: handler, type: log, message: never }
    finally:
      - { id: cleanup, type: log, message: cleanup }
`);
    expect(ok.execution.state).toBe('SUCCESS');
    expect(ok.run('cleanup').state).toBe('SUCCESS');
    expect(ok.taskRuns.some((t) => t.taskId === 'handler')).toBe(false);

    const bad = await fx.run(`
id: dag-finally-fails
namespace: test
tasks:
  - id: graph
    type: dag
    tasks:
      - task: { id: work, type: log, message: work }
    finally:
      - { id: cleanup, type: fail, errorMessage: cleanup broke }
`);
    expect(bad.execution.state).toBe('FAILED');
    expect(bad.run('work').state).toBe('SUCCESS');
    expect(bad.run('graph').state).toBe('FAILED');
    expect(bad.run('graph').error).toBe('a finally task failed');
  });

  it('refuses at validation a dependency on an unknown task and a cycle', () => {
    const found = problems(`
id: dag-bad
namespace: test
tasks:
  - id: graph
    type: dag
    tasks:
      - task: { id: a, type: log, message: a }
        dependsOn: [c]
      - task: { id: b, type: log, message: b }
        dependsOn: [a, ghost]
      - task: { id: c, type: log, message: c }
        dependsOn: [b]
`);
    expect(found).toContain(
      "tasks[0].tasks[1].dependsOn: task 'b' depends on 'ghost', which is not a task of this dag",
    );
    expect(found).toContain(
      "tasks[0].tasks[0].dependsOn: task 'a' depends on itself through a cycle: a → c → b → a",
    );
  });

  it('checks the ids of its nested tasks like any other', () => {
    const found = problems(`
id: dag-dup
namespace: test
tasks:
  - id: graph
    type: dag
    tasks:
      - task: { id: graph, type: log, message: a }
`);
    expect(found.some((p) => p.includes("duplicate task id 'graph'"))).toBe(true);
  });
});

describe('sleep', () => {
  it('waits for its duration while RUNNING, without pausing the execution', async () => {
    const states = new Set<string>();
    fx.engine.on({ execution: (e) => void states.add(e.state) });
    const r = await fx.run(`
id: sleepy
namespace: test
tasks:
  - { id: nap, type: io.kestra.plugin.core.flow.Sleep, duration: PT0.3S }
`);
    expect(r.execution.state).toBe('SUCCESS');
    const nap = r.run('nap');
    expect(ms(nap.endDate) - ms(nap.startDate)).toBeGreaterThanOrEqual(300);
    expect(states.has('PAUSED')).toBe(false);
  });

  it('takes its duration from an expression, and fails naming a rendered value that is not one', async () => {
    const r = await fx.run(`
id: sleep-expr
namespace: test
inputs:
  - { id: wait, type: STRING, defaults: PT0.1S }
  - { id: bad, type: STRING, defaults: soon }
tasks:
  - { id: nap, type: sleep, duration: "{{ inputs.wait }}" }
  - { id: broken, type: sleep, duration: "{{ inputs.bad }}" }
`);
    expect(r.run('nap').state).toBe('SUCCESS');
    expect(ms(r.run('nap').endDate) - ms(r.run('nap').startDate)).toBeGreaterThanOrEqual(100);
    expect(r.run('broken').state).toBe('FAILED');
    expect(r.run('broken').error).toBe(
      "a property does not fit once rendered: duration: must be an ISO-8601 duration such as PT30S or PT1H30M (got 'soon') in task 'broken'",
    );
    expect(r.run('broken').attempts).toHaveLength(1);
  });

  it('ends at once when the execution is killed', async () => {
    const record = fx.flow(`
id: sleep-kill
namespace: test
tasks:
  - { id: nap, type: sleep, duration: PT5M }
  - { id: never, type: log, message: never }
`);
    const e = await fx.engine.start(record);
    await vi.waitFor(async () => {
      await fx.store.flush();
      const s = await fx.store.getExecution(e.id);
      expect(s?.taskRuns.find((t) => t.taskId === 'nap')?.state).toBe('RUNNING');
    });
    const killedAt = Date.now();
    fx.engine.kill(e.id);
    const end = await fx.engine.wait(e.id);
    expect(end.state).toBe('KILLED');
    expect(Date.now() - killedAt).toBeLessThan(1500);
    const r = await fx.finished(e.id);
    expect(r.run('nap').state).toBe('KILLED');
    expect(r.taskRuns.some((t) => t.taskId === 'never')).toBe(false);
  });
});

describe('waitFor', () => {
  it('repeats its tasks until the condition holds, counting iterations', async () => {
    const r = await fx.run(`
id: loop
namespace: test
tasks:
  - id: loop
    type: io.kestra.plugin.core.flow.WaitFor
    condition: "{{ outputs.count.value == '3' }}"
    checkFrequency: { interval: PT0.01S }
    tasks:
      - id: count
        type: io.kestra.plugin.core.debug.Return
        format: "{{ outputs.loop.iterationCount }}"
      - id: seen
        type: log
        message: "iteration {{ taskrun.iteration }}"
  - { id: after, type: log, message: "after {{ outputs.loop.iterationCount }} with {{ outputs.count.value }}" }
`);
    expect(r.execution.state).toBe('SUCCESS');
    expect(r.run('loop').outputs).toEqual({ iterationCount: 3 });
    expect(r.taskRuns.filter((t) => t.taskId === 'count').map((t) => t.outputs.value)).toEqual([
      '1',
      '2',
      '3',
    ]);
    expect(r.messages('seen')).toEqual(['iteration 1', 'iteration 2', 'iteration 3']);
    expect(r.messages('after')).toEqual(['after 3 with 3']);
  });

  it('stops after a pass beyond maxIterations, as Kestra: SUCCESS by default, FAILED with failOnMaxReached', async () => {
    const flow = (id: string, fail: boolean) => `
id: ${id}
namespace: test
tasks:
  - id: loop
    type: waitFor
    condition: "{{ false }}"
    failOnMaxReached: ${fail}
    checkFrequency: { maxIterations: 2, interval: PT0.01S }
    tasks:
      - { id: step, type: log, message: "{{ taskrun.iteration }}" }
`;
    const lenient = await fx.run(flow('lenient', false));
    expect(lenient.execution.state).toBe('SUCCESS');
    expect(lenient.run('loop').outputs).toEqual({ iterationCount: 3 });
    expect(lenient.taskRuns.filter((t) => t.taskId === 'step')).toHaveLength(3);
    const strict = await fx.run(flow('strict', true));
    expect(strict.execution.state).toBe('FAILED');
    expect(strict.run('loop').error).toBe('maxIterations reached after 3 iterations');
  });

  it('stops once maxDuration has gone by', async () => {
    const r = await fx.run(`
id: timed
namespace: test
tasks:
  - id: loop
    type: waitFor
    condition: "{{ false }}"
    failOnMaxReached: true
    checkFrequency: { maxDuration: PT0.3S, interval: "{{ 'PT0.1S' }}" }
    tasks:
      - { id: step, type: log, message: tick }
`);
    expect(r.execution.state).toBe('FAILED');
    expect(r.run('loop').error).toMatch(/^maxDuration reached after \d+ iterations$/);
    const loops = r.taskRuns.filter((t) => t.taskId === 'step').length;
    expect(loops).toBeGreaterThanOrEqual(2);
    expect(loops).toBeLessThanOrEqual(5);
  });

  it('ends FAILED at a failed pass and runs its errors', async () => {
    const r = await fx.run(`
id: loop-fail
namespace: test
tasks:
  - id: loop
    type: waitFor
    condition: "{{ false }}"
    checkFrequency: { interval: PT0.01S }
    tasks:
      - { id: boom, type: fail, errorMessage: "pass {{ taskrun.iteration }}" }
    errors:
      - { id: handler, type: log, message: handled }
`);
    expect(r.execution.state).toBe('FAILED');
    expect(r.taskRuns.filter((t) => t.taskId === 'boom')).toHaveLength(1);
    expect(r.run('handler').state).toBe('SUCCESS');
  });
});

describe('waitFor after a restart', () => {
  it('walks the passes it had run again without waiting between them', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'tern-waitfor-restart-'));
    const flow = `
id: loop-restart
namespace: test
tasks:
  - id: loop
    type: waitFor
    condition: "{{ outputs.loop.iterationCount >= 3 }}"
    checkFrequency: { interval: PT2S }
    tasks:
      - { id: step, type: log, message: "pass {{ taskrun.iteration }}" }
      - { id: hold, type: pause, runIf: "{{ taskrun.iteration == 3 }}" }
`;
    try {
      const before = engineFixture({ dir });
      const started = await before.engine.start(before.flow(flow));
      await vi.waitFor(
        async () => {
          const runs = (await before.finished(started.id)).taskRuns;
          expect(runs.find((t) => t.taskId === 'hold' && t.iteration === 3)?.state).toBe('PAUSED');
        },
        { timeout: 15_000 },
      );
      // The process stops here, in the third pass.
      await restart(before, dir, [flow]);
      const resumedAt = Date.now();
      await vi.waitFor(async () => {
        fx.engine.resume(started.id);
        const runs = (await fx.finished(started.id)).taskRuns;
        expect(runs.find((t) => t.taskId === 'hold' && t.iteration === 3)?.state).toBe('SUCCESS');
      }, 10_000);
      expect((await fx.engine.wait(started.id)).state).toBe('SUCCESS');
      // Two intervals of PT2S would have been waited again without the stored pass count.
      expect(Date.now() - resumedAt).toBeLessThan(2000);
      const r = await fx.finished(started.id);
      expect(r.run('loop').outputs).toEqual({ iterationCount: 3 });
      expect(r.taskRuns.filter((t) => t.taskId === 'step')).toHaveLength(3);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('workingDirectory', () => {
  it('gives its tasks one shared folder, with inputFiles and outputFiles', async () => {
    const r = await fx.run(`
id: wd
namespace: test
tasks:
  - id: wd
    type: io.kestra.plugin.core.flow.WorkingDirectory
    inputFiles:
      greeting.txt: "hello {{ flow.id }}"
    outputFiles: ['*.out']
    tasks:
      - id: write
        type: io.kestra.plugin.scripts.shell.Commands
        commands: ['tr a-z A-Z < greeting.txt > upper.out', 'pwd > where.txt']
      - id: read
        type: io.kestra.plugin.scripts.shell.Script
        script: 'cat upper.out; test "$(cat where.txt)" = "$(pwd)"'
`);
    expect(r.execution.state).toBe('SUCCESS');
    expect(r.messages('read')).toContain('HELLO WD');
    const files = r.run('wd').outputs.outputFiles as Record<string, string>;
    expect(Object.keys(files)).toEqual(['upper.out']);
    expect(readFileSync(fx.store.files.localPath(files['upper.out']!), 'utf8')).toBe('HELLO WD');
  });

  it('refuses cache at validation, saying why', () => {
    const found = problems(`
id: wd-cache
namespace: test
tasks:
  - id: wd
    type: workingDirectory
    cache: { patterns: ['node_modules/**'], ttl: PT1H }
    tasks:
      - { id: a, type: log, message: a }
`);
    expect(found).toEqual([
      'tasks[0].cache: is not supported: files are not kept between executions; remove it (the tasks then start from an empty folder each time)',
    ]);
  });

  it("copies the namespace's files into the shared folder, inputFiles winning on the same name", async () => {
    const bytes = (text: string) => new TextEncoder().encode(text);
    await fx.store.namespaceFiles.put('test', 'scripts/hello.sh', bytes('echo hello from the namespace\n'));
    await fx.store.namespaceFiles.put('test', 'conf/site.txt', bytes('north\n'));
    const r = await fx.run(`
id: wd-ns
namespace: test
tasks:
  - id: wd
    type: workingDirectory
    namespaceFiles: { enabled: true, include: ['scripts/**', 'conf/**'] }
    inputFiles: { conf/site.txt: south }
    tasks:
      - { id: first, type: shell, commands: ['sh scripts/hello.sh'] }
      - { id: second, type: shell, commands: ['cat conf/site.txt'] }
`);
    expect(r.execution.state).toBe('SUCCESS');
    expect(r.messages('first')).toEqual(['hello from the namespace']);
    expect(r.messages('second')).toEqual(['south']);
  });

  it('fails, making no task run for it, when a task inside has a runIf that cannot be evaluated', async () => {
    const r = await fx.run(`
id: wd-bad-runif
namespace: test
tasks:
  - id: wd
    type: io.kestra.plugin.core.flow.WorkingDirectory
    tasks:
      - { id: first, type: io.kestra.plugin.core.debug.Return, format: one }
      - id: guarded
        type: io.kestra.plugin.core.debug.Return
        runIf: "{{ outputs.nosuchtask.value }}"
        format: two
      - { id: never, type: io.kestra.plugin.core.debug.Return, format: three }
`);
    expect(r.execution.state).toBe('FAILED');
    expect(r.taskRuns.map((tr) => `${tr.taskId}:${tr.state}`)).toEqual(['wd:FAILED', 'first:SUCCESS']);
    expect(r.execution.error).toMatch(/^guarded: runIf: .*outputs\.nosuchtask/);
    expect(r.messages('wd').some((m) => m.startsWith('guarded: runIf:'))).toBe(true);
  });

  it('still makes a FAILED task run for a runIf that cannot be evaluated outside it', async () => {
    const r = await fx.run(`
id: bad-runif
namespace: test
tasks:
  - id: guarded
    type: io.kestra.plugin.core.debug.Return
    runIf: "{{ outputs.nosuchtask.value }}"
    format: two
`);
    expect(r.execution.state).toBe('FAILED');
    expect(r.run('guarded').state).toBe('FAILED');
    expect(r.run('guarded').error).toMatch(/^runIf: /);
  });
});

describe('forEachItem', () => {
  const child = `
id: child
namespace: test.items
inputs:
  - { id: items, type: STRING }
tasks:
  - id: count
    type: script.shell
    inputFiles: { batch.jsonl: "{{ inputs.items }}" }
    script: grep -c . batch.jsonl
  - id: out
    type: output
    values:
      lines: "{{ inputs.items }}"
outputs:
  - { id: file, type: STRING, value: "{{ outputs.out.values.lines }}" }
`;

  const parent = (extra: string) => `
id: parent
namespace: test
tasks:
  - id: extract
    type: shell
    commands: ['printf "{\\"n\\":1}\\n{\\"n\\":2}\\n{\\"n\\":3}\\n{\\"n\\":4}\\n{\\"n\\":5}\\n" > items.jsonl']
    outputFiles: [items.jsonl]
  - id: each
    type: io.kestra.plugin.core.flow.ForEachItem
    items: "{{ outputs.extract.outputFiles['items.jsonl'] }}"
    namespace: test.items
    flowId: child
    inputs:
      items: "{{ taskrun.items }}"
${extra}
`;

  it('runs one subflow execution per batch of rows and merges their outputs', async () => {
    fx.flow(child);
    const r = await fx.run(
      parent(`    batch: { rows: 2 }
  - id: report
    type: log
    message: "{{ outputs.each_items.iterations.SUCCESS }}/{{ outputs.each_items.numberOfBatches }} {{ outputs.each_merge.subflowOutputs == outputs.each.uri }} {{ outputs.each_split.splits == outputs.each.splits }}"`),
    );
    expect(r.execution.state).toBe('SUCCESS');
    expect(r.messages('report')).toEqual(['3/3 true true']);
    const out = r.run('each').outputs;
    expect(out.numberOfBatches).toBe(3);
    expect(out.iterations).toEqual({ SUCCESS: 3 });
    const merged = readFileSync(fx.store.files.localPath(out.uri as string), 'utf8')
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line) as { file: string });
    expect(merged).toHaveLength(3);
    const batches = merged.map((m) => readFileSync(fx.store.files.localPath(m.file), 'utf8'));
    expect(batches).toEqual(['{"n":1}\n{"n":2}\n', '{"n":3}\n{"n":4}\n', '{"n":5}\n']);
    const splits = readFileSync(fx.store.files.localPath(out.splits as string), 'utf8');
    expect(splits).toBe(merged.map((m) => `${m.file}\n`).join(''));
  });

  it('splits into partitions, filled in turn', async () => {
    fx.flow(child);
    const r = await fx.run(parent('    batch: { partitions: 2 }'));
    expect(r.execution.state).toBe('SUCCESS');
    const out = r.run('each').outputs;
    expect(out.numberOfBatches).toBe(2);
    const merged = readFileSync(fx.store.files.localPath(out.uri as string), 'utf8')
      .trim()
      .split('\n');
    const batches = merged.map((l) =>
      readFileSync(fx.store.files.localPath((JSON.parse(l) as { file: string }).file), 'utf8'),
    );
    expect(batches).toEqual(['{"n":1}\n{"n":3}\n{"n":5}\n', '{"n":2}\n{"n":4}\n']);
  });

  it('fails when a batch fails (transmitFailed), or counts it and succeeds without it', async () => {
    fx.flow(`
id: child
namespace: test.items
inputs:
  - { id: items, type: STRING }
tasks:
  - id: check
    type: script.shell
    inputFiles: { batch.jsonl: "{{ inputs.items }}" }
    script: '! grep -q 3 batch.jsonl'
`);
    const strict = await fx.run(parent('    batch: { rows: 1 }'));
    expect(strict.execution.state).toBe('FAILED');
    expect(strict.run('each').outputs.iterations).toEqual({ SUCCESS: 4, FAILED: 1 });
    expect(strict.run('each').error).toMatch(/^1 of 5 executions of test\.items\.child failed: /);
    const lenient = await fx.run(parent('    transmitFailed: false'));
    expect(lenient.execution.state).toBe('SUCCESS');
    expect(lenient.run('each').outputs.iterations).toEqual({ SUCCESS: 4, FAILED: 1 });
  });

  it("reads a FILE input's file", async () => {
    fx.flow(child);
    const dir = mkdtempSync(join(tmpdir(), 'tern-foreachitem-input-'));
    try {
      const file = join(dir, 'items.txt');
      writeFileSync(file, 'x\ny\n');
      const r = await fx.run(
        `
id: from-input
namespace: test
inputs:
  - { id: file, type: FILE }
tasks:
  - id: each
    type: forEachItem
    items: "{{ inputs.file }}"
    namespace: test.items
    flowId: child
    inputs: { items: "{{ taskrun.items }}" }
`,
        { inputs: { file } },
      );
      expect(r.execution.state).toBe('SUCCESS');
      expect(r.run('each').outputs.iterations).toEqual({ SUCCESS: 2 });
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('refuses items that name no file, saying what it expects', async () => {
    fx.flow(child);
    const r = await fx.run(`
id: not-a-file
namespace: test
tasks:
  - id: each
    type: forEachItem
    items: orders.jsonl
    namespace: test.items
    flowId: child
`);
    expect(r.execution.state).toBe('FAILED');
    expect(r.run('each').error).toBe(
      "items: 'orders.jsonl' is neither the URI of a stored file (a task's output file) nor a FILE input's file",
    );
  });
});

describe('scheduleDate of forEachItem and subflow', () => {
  /** A flow calling `test.items.later` as a subflow scheduled at `date`. */
  const caller = (id: string, date: string) => `id: ${id}
namespace: test
tasks:
  - id: call
    type: io.kestra.plugin.core.flow.Subflow
    namespace: test.items
    flowId: later
    scheduleDate: "${date}"
`;

  it('creates the subflow executions at once, CREATED until the date, and waits for them', async () => {
    await fx.close();
    const clock = new ManualClock('2030-01-01T08:00:00Z');
    fx = engineFixture({ clock });
    fx.flow(`
id: later
namespace: test.items
inputs:
  - { id: items, type: STRING }
tasks:
  - { id: seen, type: log, message: "{{ inputs.items }}" }
`);
    const parent = fx.flow(`
id: scheduled
namespace: test
tasks:
  - id: extract
    type: shell
    commands: ['printf "a\\nb\\n" > items.txt']
    outputFiles: [items.txt]
  - id: each
    type: io.kestra.plugin.core.flow.ForEachItem
    items: "{{ outputs.extract.outputFiles['items.txt'] }}"
    namespace: test.items
    flowId: later
    scheduleDate: "2030-01-01T10:00:00+01:00[Europe/Paris]"
    inputs:
      items: "{{ taskrun.items }}"
`);
    // The subflow executions as last saved, by id.
    const latest = new Map<string, Execution>();
    fx.engine.on({ execution: (e) => void (e.flowId === 'later' && latest.set(e.id, { ...e })) });
    const children = () => [...latest.values()];
    const started = await fx.engine.start(parent);
    await vi.waitFor(() => expect(children()).toHaveLength(2), { timeout: 10_000 });
    for (const child of children()) {
      expect(child.state).toBe('CREATED');
      expect(child.scheduleDate).toBe('2030-01-01T09:00:00.000Z');
    }
    await clock.advanceTo('2030-01-01T08:59:59Z');
    expect(children().map((e) => e.state)).toEqual(['CREATED', 'CREATED']);
    await clock.advanceTo('2030-01-01T09:00:00Z');
    await fx.engine.wait(started.id);
    const done = await fx.finished(started.id);
    expect(done.execution.state).toBe('SUCCESS');
    expect(done.run('each').outputs.iterations).toEqual({ SUCCESS: 2 });
    expect(children().map((e) => e.state)).toEqual(['SUCCESS', 'SUCCESS']);
  });

  it('keeps a scheduled subflow execution CREATED across a restart, until its date', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'tern-schedule-restart-'));
    const flows = [
      'id: later\nnamespace: test.items\ntasks:\n  - { id: seen, type: log, message: hi }\n',
      caller('caller', '2030-01-01T09:00:00Z'),
    ];
    try {
      await fx.close();
      const before = engineFixture({ dir, clock: new ManualClock('2030-01-01T08:00:00Z') });
      before.flow(flows[0]!);
      const started = await before.engine.start(before.flow(flows[1]!));
      const childId = async (on: EngineFixture) =>
        (await on.finished(started.id)).taskRuns.find((t) => t.taskId === 'call')?.outputs.executionId as
          | string
          | undefined;
      await vi.waitFor(async () => expect(await childId(before)).toBeDefined(), { timeout: 10_000 });
      const id = (await childId(before))!;
      // The process stops here, the subflow execution waiting for its date.
      const clock = new ManualClock('2030-01-01T08:30:00Z');
      await restart(before, dir, flows, clock);
      expect((await fx.finished(id)).execution.state).toBe('CREATED');
      await clock.advanceTo('2030-01-01T09:00:00Z');
      expect((await fx.engine.wait(started.id)).state).toBe('SUCCESS');
      expect((await fx.finished(id)).execution.state).toBe('SUCCESS');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('fails naming a scheduleDate that is no date', async () => {
    fx.flow('id: later\nnamespace: test.items\ntasks:\n  - { id: seen, type: log, message: hi }\n');
    const r = await fx.run(caller('bad-schedule', 'next tuesday'));
    expect(r.execution.state).toBe('FAILED');
    expect(r.run('call').error).toBe("scheduleDate: 'next tuesday' is not a date (ISO-8601 expected)");
  });
});

describe('forEachItem across a restart', () => {
  /** A subflow that passes its batch on, pausing first when `hold`. */
  const batchFlow = (hold: boolean) => `
id: batch
namespace: test.items
inputs:
  - { id: items, type: STRING }
tasks:
${hold ? '  - { id: hold, type: pause }\n' : ''}  - { id: out, type: output, values: { batch: "{{ inputs.items }}" } }
outputs:
  - { id: batch, type: STRING, value: "{{ outputs.out.values.batch }}" }
`;

  /** A flow running `batch` once per line of a file of `lines` lines, then the tasks of `after`. */
  const parentFlow = (lines: number, after = '') => `
id: parent
namespace: test
tasks:
  - id: extract
    type: shell
    commands: ['seq ${lines} > items.txt']
    outputFiles: [items.txt]
  - id: each
    type: forEachItem
    items: "{{ outputs.extract.outputFiles['items.txt'] }}"
    namespace: test.items
    flowId: batch
    inputs: { items: "{{ taskrun.items }}" }
${after}`;

  const pausedBatches = async (f: EngineFixture) => {
    await f.store.flush();
    return (await f.store.listExecutionsByState(['PAUSED'])).filter((e) => e.flowId === 'batch');
  };

  it('restarts only the failed batches when the execution is restarted (RETRY_FAILED)', async () => {
    const marker = join(fx.dir, 'open');
    fx.flow(`
id: batch
namespace: test.items
inputs:
  - { id: items, type: STRING }
tasks:
  - id: check
    type: shell
    commands: ['test "{{ read(inputs.items) | trim }}" != 2 || test -f "${marker}"']
`);
    const first = await fx.run(parentFlow(3));
    expect(first.execution.state).toBe('FAILED');
    expect(first.run('each').outputs.iterations).toEqual({ SUCCESS: 2, FAILED: 1 });
    const before = first.run('each').outputs.executions as Record<string, string>;
    writeFileSync(marker, '');
    await fx.engine.restart(first.execution.id);
    const again = await fx.finished((await fx.engine.wait(first.execution.id)).id);
    expect(again.execution.state).toBe('SUCCESS');
    expect(again.run('each').outputs.iterations).toEqual({ SUCCESS: 3 });
    // The same three executions: the failed one restarted, none started anew.
    await fx.store.flush();
    const batches = (await fx.store.listExecutionsByState(['SUCCESS'])).filter((e) => e.flowId === 'batch');
    expect(batches.map((e) => e.id).sort()).toEqual(Object.values(before).sort());
  });

  it("gives each batch's execution this execution's labels with inheritLabels", async () => {
    fx.flow(batchFlow(false));
    const parent = parentFlow(2)
      .replace('namespace: test\n', 'namespace: test\nlabels: { team: ops, site: north }\n')
      .replace(
        '    inputs: { items:',
        '    inheritLabels: true\n    labels: { site: south }\n    inputs: { items:',
      );
    const r = await fx.run(parent);
    expect(r.execution.state).toBe('SUCCESS');
    await fx.store.flush();
    const batches = (await fx.store.listExecutionsByState(['SUCCESS'])).filter((e) => e.flowId === 'batch');
    expect(batches.map((e) => e.labels)).toEqual([
      { team: 'ops', site: 'south', 'system.correlationId': r.execution.id },
      { team: 'ops', site: 'south', 'system.correlationId': r.execution.id },
    ]);
  });

  it('waits for the subflow executions it had started instead of starting them again', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'tern-foreachitem-restart-'));
    const flows = [batchFlow(true), parentFlow(3)];
    try {
      const before = engineFixture({ dir });
      before.flow(flows[0]!);
      const started = await before.engine.start(before.flow(flows[1]!));
      await vi.waitFor(async () => expect(await pausedBatches(before)).toHaveLength(3), { timeout: 15_000 });
      // The process stops here, its three subflows paused.
      await restart(before, dir, flows);
      const held = await pausedBatches(fx);
      expect(held).toHaveLength(3);
      for (const e of held) fx.engine.resume(e.id);
      const end = await fx.engine.wait(started.id);
      expect(end.state).toBe('SUCCESS');
      const r = await fx.finished(started.id);
      expect(r.run('each').outputs.iterations).toEqual({ SUCCESS: 3 });
      const all = await fx.store.listExecutionsByState(['SUCCESS']);
      expect(
        all
          .filter((e) => e.flowId === 'batch')
          .map((e) => e.id)
          .sort(),
      ).toEqual(held.map((e) => e.id).sort());
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('shows its outputs again under <id>_items and <id>_merge to the tasks after it', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'tern-foreachitem-outputs-'));
    const flows = [
      batchFlow(false),
      parentFlow(
        2,
        `  - { id: gate, type: pause }
  - id: report
    type: log
    message: "{{ outputs.each_items.iterations.SUCCESS }} {{ outputs.each_merge.subflowOutputs == outputs.each.uri }}"
`,
      ),
    ];
    try {
      const before = engineFixture({ dir });
      before.flow(flows[0]!);
      const started = await before.engine.start(before.flow(flows[1]!));
      await vi.waitFor(async () =>
        expect((await before.finished(started.id)).run('gate').state).toBe('PAUSED'),
      );
      // The process stops here, after forEachItem has ended.
      await restart(before, dir, flows);
      // The recovered run pauses again at `gate` a moment after recover returns: resume until it has.
      await vi.waitFor(async () => {
        fx.engine.resume(started.id);
        expect((await fx.finished(started.id)).run('gate').state).toBe('SUCCESS');
      });
      expect((await fx.engine.wait(started.id)).state).toBe('SUCCESS');
      expect((await fx.finished(started.id)).messages('report')).toEqual(['2 true']);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('eachSequential and eachParallel', () => {
  it('takes value as JSON text; map items come as JSON text in taskrun.value', async () => {
    const r = await fx.run(`
id: each-json
namespace: test
tasks:
  - id: each
    type: io.kestra.plugin.core.flow.EachSequential
    value: '[{"site": "north"}, "south", 3]'
    tasks:
      - { id: show, type: log, message: "{{ taskrun.iteration }}={{ taskrun.value }}" }
`);
    expect(r.execution.state).toBe('SUCCESS');
    expect(r.messages('show')).toEqual(['0={"site":"north"}', '1=south', '2=3']);
    expect(r.run('show', '{"site":"north"}').state).toBe('SUCCESS');
  });

  it('takes value as a list or as an expression rendering to one', async () => {
    const r = await fx.run(`
id: each-expr
namespace: test
variables:
  sites: '["a", "b"]'
tasks:
  - id: literal
    type: io.kestra.core.tasks.flows.EachSequential
    value: [x, y]
    tasks:
      - { id: one, type: output, values: { v: "{{ taskrun.value }}" } }
  - id: rendered
    type: io.kestra.plugin.core.flow.EachSequential
    value: "{{ vars.sites }}"
    tasks:
      - { id: two, type: output, values: { v: "{{ taskrun.value }}" } }
  - { id: show, type: log, message: "{{ outputs.one.x.values.v }}{{ outputs.two.b.values.v }}" }
`);
    expect(r.execution.state).toBe('SUCCESS');
    expect(r.messages('show')).toEqual(['xb']);
  });

  it('eachParallel runs every iteration at once by default', async () => {
    const max = trackConcurrency(fx.engine, (id) => id === 'nap');
    const r = await fx.run(`
id: each-par
namespace: test
tasks:
  - id: each
    type: io.kestra.plugin.core.flow.EachParallel
    value: [1, 2, 3]
    tasks:
      - { id: nap, type: shell, commands: ['sleep 0.3'] }
`);
    expect(r.execution.state).toBe('SUCCESS');
    expect(r.taskRuns.filter((t) => t.taskId === 'nap')).toHaveLength(3);
    expect(max()).toBe(3);
  });
});

describe("Kestra's older names", () => {
  it('accepts io.kestra.core.tasks.flows.* names of the flowable tasks', () => {
    const registry = builtinRegistry();
    const pairs: [string, string][] = [
      ['io.kestra.core.tasks.flows.Sequential', 'sequential'],
      ['io.kestra.core.tasks.flows.Parallel', 'parallel'],
      ['io.kestra.core.tasks.flows.If', 'if'],
      ['io.kestra.core.tasks.flows.Switch', 'switch'],
      ['io.kestra.core.tasks.flows.AllowFailure', 'allowFailure'],
      ['io.kestra.core.tasks.flows.Pause', 'pause'],
      ['io.kestra.core.tasks.flows.Flow', 'subflow'],
      ['io.kestra.core.tasks.flows.Subflow', 'subflow'],
      ['io.kestra.core.tasks.flows.Dag', 'dag'],
      ['io.kestra.core.tasks.flows.WaitFor', 'waitFor'],
      ['io.kestra.plugin.core.flow.LoopUntil', 'waitFor'],
      ['io.kestra.core.tasks.flows.Worker', 'workingDirectory'],
      ['io.kestra.core.tasks.flows.WorkingDirectory', 'workingDirectory'],
      ['io.kestra.core.tasks.flows.ForEachItem', 'forEachItem'],
      ['io.kestra.core.tasks.flows.EachParallel', 'eachParallel'],
    ];
    for (const [name, type] of pairs) expect(registry.task(name)?.type, name).toBe(type);
  });
});
