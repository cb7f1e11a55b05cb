/** The `script.python` task run for real with `python3`, including the bundled `kestra` module. */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { TaskError } from '../../protocol/errors.js';
import { testContext, waitFor } from '../../test/support/task-context.js';
import python from './python.js';

describe('script.python task', () => {
  it('is registered under the Kestra Script and Commands names', () => {
    expect(python.aliases).toEqual([
      'io.kestra.plugin.scripts.python.Script',
      'io.kestra.plugin.scripts.python.Commands',
    ]);
  });

  it('returns the outputs set with Kestra.outputs', async () => {
    const script = 'from kestra import Kestra\nKestra.outputs({"mean": sum([1, 2, 3]) / 3, "tags": ["a"]})\n';
    const result = await python.run({ script }, testContext());
    expect(result?.outputs).toEqual({ exitCode: 0, vars: { mean: 2, tags: ['a'] } });
  });

  it('logs Kestra.logger() records at their level', async () => {
    const ctx = testContext();
    const script = [
      'from kestra import Kestra',
      'log = Kestra.logger()',
      'log.info("all good")',
      'log.warning("look out")',
      'log.error("broken")',
    ].join('\n');
    await python.run({ script }, ctx);
    expect(ctx.lines.map((l) => l.level)).toEqual(['INFO', 'WARN', 'ERROR']);
    expect(ctx.lines[0]?.message).toMatch(/ - all good$/);
  });

  it('accepts counter and timer metrics without logging them', async () => {
    const ctx = testContext();
    const script =
      'from kestra import Kestra\nKestra.counter("rows", 3, {"table": "t"})\nKestra.timer("load", lambda: None)\n';
    await python.run({ script }, ctx);
    expect(ctx.lines).toEqual([]);
  });

  it('streams print output while the script is still running', async () => {
    const ctx = testContext();
    const script = [
      'import os, time',
      'print("waiting")',
      'while not os.path.exists("go"):',
      '    time.sleep(0.05)',
      'print("done")',
    ].join('\n');
    const run = python.run({ script }, ctx);
    await waitFor(() => ctx.lines.some((l) => l.message === 'waiting'), 'the first print');
    writeFileSync(join(await ctx.workingDir(), 'go'), '');
    await run;
    expect(ctx.lines.map((l) => l.message)).toEqual(['waiting', 'done']);
  });

  it('lets the script import modules given as input files', async () => {
    const result = await python.run(
      {
        inputFiles: { 'helpers.py': 'def double(x):\n    return 2 * x\n' },
        script: 'from helpers import double\nfrom kestra import Kestra\nKestra.outputs({"v": double(21)})\n',
      },
      testContext(),
    );
    expect(result?.outputs?.vars).toEqual({ v: 42 });
  });

  it('runs commands such as `python main.py` in the Kestra Commands form', async () => {
    const result = await python.run(
      {
        inputFiles: { 'main.py': 'from kestra import Kestra\nKestra.outputs({"ran": True})\n' },
        commands: ['python main.py'],
      },
      testContext(),
    );
    expect(result?.outputs?.vars).toEqual({ ran: true });
  });

  it('fails with exit code 1 and logs the traceback at ERROR when the script raises', async () => {
    const ctx = testContext();
    const run = python.run({ script: 'raise ValueError("bad reading")' }, ctx);
    await expect(run).rejects.toThrow('command exited with code 1');
    expect(ctx.lines).toContainEqual({ level: 'ERROR', message: 'ValueError: bad reading' });
  });

  it('refuses both script and commands', async () => {
    const run = python.run({ script: 'print(1)', commands: ['python -V'] }, testContext());
    await expect(run).rejects.toThrow(TaskError);
  });

  it('refuses a task with neither script nor commands', async () => {
    await expect(python.run({}, testContext())).rejects.toThrow('set exactly one of `script` and `commands`');
  });
});
