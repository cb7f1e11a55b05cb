/** The `shell` task run for real with `/bin/sh`: outputs, failures, files, runners and kills. */
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { MAX_LOG_LINE_BYTES } from '../../protocol/log-cap.js';
import { failure, type TestContext, testContext, waitFor } from '../../test/support/task-context.js';
import { MAX_LINE_LENGTH } from '../script/line-splitter.js';
import shell from './commands.js';

type Props = Parameters<typeof shell.run>[0];

const run = (props: Props, ctx: TestContext = testContext()) => shell.run(props, ctx);

const messages = (ctx: TestContext) => ctx.lines.map((l) => l.message);

function isRunning(pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const state = stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3);
    return state !== 'Z' && state !== 'X';
  } catch {
    return false;
  }
}

describe('shell task', () => {
  it('is registered under its Kestra name too', () => {
    expect(shell.type).toBe('shell');
    expect(shell.aliases).toContain('io.kestra.plugin.scripts.shell.Commands');
  });

  it('returns exit code 0 and the vars printed as ::{"outputs"}:: lines', async () => {
    const result = await run({
      commands: [
        'echo \'::{"outputs": {"count": 3, "name": "ada"}}::\'',
        'echo \'::{"outputs": {"count": 4}}::\'',
      ],
    });
    expect(result).toEqual({ outputs: { exitCode: 0, vars: { count: 4, name: 'ada' } } });
  });

  it('does not log data lines as text', async () => {
    const ctx = testContext();
    await run({ commands: ['echo before', 'echo \'::{"outputs": {"x": 1}}::\'', 'echo after'] }, ctx);
    expect(messages(ctx)).toEqual(['before', 'after']);
  });

  it('logs stdout at INFO and stderr at ERROR', async () => {
    const ctx = testContext();
    await run({ commands: ['echo out', 'echo err >&2'] }, ctx);
    expect(ctx.lines).toContainEqual({ level: 'INFO', message: 'out' });
    expect(ctx.lines).toContainEqual({ level: 'ERROR', message: 'err' });
  });

  it('logs ::{"logs"}:: entries at their level', async () => {
    const ctx = testContext();
    await run(
      { commands: ['echo \'::{"logs": [{"level": "WARN", "message": "disk almost full"}]}::\''] },
      ctx,
    );
    expect(ctx.lines).toEqual([{ level: 'WARN', message: 'disk almost full' }]);
  });

  it('runs in the working directory', async () => {
    const ctx = testContext();
    await run({ commands: ['pwd'] }, ctx);
    expect(messages(ctx)).toEqual([await ctx.workingDir()]);
  });

  it('logs a last line that has no newline', async () => {
    const ctx = testContext();
    await run({ commands: ["printf 'first\\nno newline'"] }, ctx);
    expect(messages(ctx)).toEqual(['first', 'no newline']);
  });

  it('cuts very long lines and marks them', async () => {
    const ctx = testContext();
    await run(
      { commands: [`head -c ${MAX_LINE_LENGTH + 10} /dev/zero | tr '\\0' a`, 'echo', 'echo next'] },
      ctx,
    );
    const [cut, next] = messages(ctx);
    const [, kept, dropped] = /^(a+) … \[truncated (\d+) bytes\]$/.exec(cut!) ?? [];
    expect(kept!.length + Number(dropped)).toBe(MAX_LINE_LENGTH + 10);
    expect(Buffer.byteLength(cut!)).toBeLessThanOrEqual(MAX_LOG_LINE_BYTES);
    expect(next).toBe('next');
  });

  it('fails with a retryable error naming the exit code, keeping the outputs', async () => {
    const err = await failure(run({ commands: ['echo \'::{"outputs": {"step": 1}}::\'', 'exit 3'] }));
    expect(err.message).toBe('command exited with code 3');
    expect(err.retryable).toBe(true);
    expect(err.details).toEqual({ outputs: { exitCode: 3, vars: { step: 1 } } });
  });

  it('stops at the first failing command', async () => {
    const ctx = testContext();
    await failure(run({ commands: ['echo one', 'false', 'echo two'] }, ctx));
    expect(messages(ctx)).toEqual(['one']);
  });

  it('runs every command when failFast is false, the last one deciding', async () => {
    const ctx = testContext();
    const result = await run({ commands: ['false', 'echo still here'], failFast: false }, ctx);
    expect(result?.outputs?.exitCode).toBe(0);
    expect(messages(ctx)).toEqual(['still here']);
  });

  it('runs beforeCommands first, in the same shell', async () => {
    const ctx = testContext();
    await run({ beforeCommands: ['GREETING=hello', 'echo setup'], commands: ['echo "$GREETING"'] }, ctx);
    expect(messages(ctx)).toEqual(['setup', 'hello']);
  });

  it('adds env to the inherited environment', async () => {
    const ctx = testContext();
    await run(
      { env: { SITE: 'plant1', RETRIES: 3 }, commands: ['echo "$SITE $RETRIES"', 'echo "$PATH"'] },
      ctx,
    );
    expect(messages(ctx)[0]).toBe('plant1 3');
    expect(messages(ctx)[1]).toContain(process.env.PATH);
  });

  it('uses the interpreter it is given', async () => {
    const ctx = testContext();
    await run({ interpreter: ['/bin/sh', '-c'], commands: ['echo "$0"'] }, ctx);
    expect(messages(ctx)).toEqual(['/bin/sh']);
  });

  it('writes inputFiles into the working directory, sub-folders included', async () => {
    const ctx = testContext();
    await run(
      { inputFiles: { 'a.txt': 'alpha', 'conf/b.txt': 'beta' }, commands: ['cat a.txt conf/b.txt'] },
      ctx,
    );
    expect(messages(ctx)).toEqual(['alphabeta']);
  });

  it('accepts inputFiles as a JSON string', async () => {
    const ctx = testContext();
    await run({ inputFiles: '{"c.txt": "gamma"}', commands: ['cat c.txt'] }, ctx);
    expect(messages(ctx)).toEqual(['gamma']);
  });

  it('copies an input file given as a storage URI from storage', async () => {
    const ctx = testContext();
    const source = join(await ctx.workingDir(), 'produced.bin');
    writeFileSync(source, 'stored earlier');
    const uri = await ctx.storage.put('exec0', 'run0', 'produced.bin', source);
    await run({ inputFiles: { 'copy.txt': uri }, commands: ['cat copy.txt'] }, ctx);
    expect(messages(ctx)).toEqual(['stored earlier']);
  });

  it('refuses an input file outside the working directory', async () => {
    const err = await failure(run({ inputFiles: { '../escape.txt': 'x' }, commands: ['true'] }));
    expect(err.retryable).toBe(false);
    expect(err.message).toContain('../escape.txt');
  });

  it('keeps outputFiles matched by name or glob as storage URIs', async () => {
    const ctx = testContext();
    const result = await run(
      {
        outputFiles: ['report.txt', 'out/*.csv'],
        commands: ['echo r > report.txt', 'mkdir out', 'echo 1 > out/a.csv'],
      },
      ctx,
    );
    const files = result?.outputs?.outputFiles as Record<string, string>;
    expect(Object.keys(files).sort()).toEqual(['out/a.csv', 'report.txt']);
    expect(readFileSync(ctx.storage.localPath(files['report.txt']!), 'utf8')).toBe('r\n');
  });

  it('warns when an outputFiles pattern matches nothing', async () => {
    const ctx = testContext();
    const result = await run({ outputFiles: ['missing.txt'], commands: ['true'] }, ctx);
    expect(result?.outputs?.outputFiles).toEqual({});
    expect(ctx.lines).toContainEqual({
      level: 'WARN',
      message: "outputFiles: nothing matches 'missing.txt'",
    });
  });

  it('keeps files written to $OUTPUT_DIR', async () => {
    const ctx = testContext();
    const result = await run({ commands: ['echo data > "$OUTPUT_DIR/result.json"'] }, ctx);
    expect(Object.keys(result?.outputs?.outputFiles as object)).toEqual(['result.json']);
  });

  it('ends in WARNING on stderr output when warningOnStdErr is set', async () => {
    const result = await run({ warningOnStdErr: true, commands: ['echo oops >&2'] });
    expect(result?.state).toBe('WARNING');
  });

  it('ends in SUCCESS despite stderr output by default', async () => {
    const result = await run({ commands: ['echo noise >&2'] });
    expect(result?.state).toBeUndefined();
  });

  it('accepts the Kestra name of the process runner', async () => {
    const result = await run({
      taskRunner: { type: 'io.kestra.plugin.core.runner.Process' },
      commands: ['true'],
    });
    expect(result?.outputs?.exitCode).toBe(0);
  });

  it('fails without retry when the interpreter cannot be found', async () => {
    const err = await failure(run({ interpreter: ['/nonexistent/sh', '-c'], commands: ['true'] }));
    expect(err.message).toBe("cannot start '/nonexistent/sh': not found (ENOENT)");
    expect(err.retryable).toBe(false);
  });

  it('kills the whole process tree when aborted and fails with the reason', async () => {
    const ctx = testContext();
    const commands = [
      'sleep 300 & echo "pid $!"',
      `sh -c 'sleep 300 & echo "pid $!"; wait' & echo "pid $!"`,
      'echo "pid $$"',
      'wait',
    ];
    const pids = () => messages(ctx).flatMap((m) => (m.startsWith('pid ') ? [Number(m.slice(4))] : []));
    const running = run({ commands }, ctx);
    await waitFor(() => pids().length === 4, 'the process tree to start');
    ctx.controller.abort(new Error('task timed out after PT5S'));
    const err = await failure(running);
    expect(err.message).toBe('task timed out after PT5S');
    await waitFor(() => !pids().some(isRunning), 'every process of the tree to end');
  });

  it('does not start when already aborted', async () => {
    const ctx = testContext();
    ctx.controller.abort(new Error('killed'));
    const err = await failure(run({ commands: ['touch ran'] }, ctx));
    expect(err.message).toBe('killed');
    expect(existsSync(join(await ctx.workingDir(), 'ran'))).toBe(false);
  });
});
