/** The `script.shell` task run for real with `/bin/sh`. */
import { describe, expect, it } from 'vitest';
import { TaskError } from '../../protocol/errors.js';
import { testContext } from '../../test/support/task-context.js';
import shellScript from './shell.js';

describe('script.shell task', () => {
  it('is registered under its Kestra name too', () => {
    expect(shellScript.aliases).toEqual(['io.kestra.plugin.scripts.shell.Script']);
  });

  it('runs the script after beforeCommands, in the same shell', async () => {
    const ctx = testContext();
    await shellScript.run(
      { beforeCommands: ['mkdir data', 'cd data', 'UNIT=celsius'], script: 'echo "$UNIT"\npwd\n' },
      ctx,
    );
    expect(ctx.lines.map((l) => l.message)).toEqual(['celsius', `${await ctx.workingDir()}/data`]);
  });

  it('returns vars printed by the script', async () => {
    const result = await shellScript.run(
      { script: 'n=$((6 * 7))\necho "::{\\"outputs\\": {\\"n\\": $n}}::"' },
      testContext(),
    );
    expect(result?.outputs).toEqual({ exitCode: 0, vars: { n: 42 } });
  });

  it('stops the script at its first failing command', async () => {
    const ctx = testContext();
    const run = shellScript.run({ script: 'echo start\nfalse\necho unreachable' }, ctx);
    await expect(run).rejects.toThrow(TaskError);
    expect(ctx.lines.map((l) => l.message)).toEqual(['start']);
  });

  it('fails with the exit code the script exits with', async () => {
    await expect(shellScript.run({ script: 'exit 5' }, testContext())).rejects.toThrow(
      'command exited with code 5',
    );
  });
});
