/** The `tern` command: run, validate, schema; exit codes and positioned errors. */
import { spawn } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { assertBuilt, TERN, tern } from '../support/cli.js';

const dir = mkdtempSync(join(tmpdir(), 'tern-cli-'));
const write = (name: string, text: string) => {
  const path = join(dir, name);
  writeFileSync(path, text);
  return path;
};

describe('tern run', () => {
  it('prints exactly one JSON object with --json and exits 0 on success', async () => {
    const file = write(
      'ok.yml',
      'id: ok\nnamespace: t\ntasks:\n  - { id: a, type: output, values: { x: 1 } }\n',
    );
    const r = await tern(['run', file, '--json', '--data-dir', join(dir, 'data')]);
    expect(r.code).toBe(0);
    const json = JSON.parse(r.stdout);
    expect(Object.keys(json).sort()).toEqual([
      'flowId',
      'id',
      'labels',
      'namespace',
      'outputs',
      'state',
      'taskRuns',
    ]);
    expect(json.taskRuns).toEqual([
      { taskId: 'a', state: 'SUCCESS', attempts: 1, value: null, outputs: { values: { x: 1 } } },
    ]);
  });

  it('prints null outputs, as Kestra, for an execution that gave none (failed, or none declared)', async () => {
    const failed = write(
      'failed-outputs.yml',
      'id: fo\nnamespace: t\ntasks:\n  - { id: boom, type: fail, errorMessage: kaput }\noutputs:\n  - { id: o, type: STRING, value: x }\n',
    );
    const none = write(
      'no-outputs.yml',
      'id: no\nnamespace: t\ntasks:\n  - { id: a, type: log, message: hi }\n',
    );
    const data = join(dir, 'data');
    const [f, n] = await Promise.all([
      tern(['run', failed, '--json', '--data-dir', data]),
      tern(['run', none, '--json', '--data-dir', data]),
    ]);
    expect(JSON.parse(f.stdout)).toMatchObject({ state: 'FAILED', outputs: null });
    expect(JSON.parse(n.stdout)).toMatchObject({ state: 'SUCCESS', outputs: null });
  });

  it("takes a local path for a FILE input: the file is its user's own", async () => {
    const local = write('local.txt', 'local content 7\n');
    const file = write(
      'file-input.yml',
      'id: f\nnamespace: t\ninputs:\n  - { id: doc, type: FILE }\ntasks:\n  - id: read\n    type: shell\n    commands: [\'cat "{{ inputs.doc }}"\']\n',
    );
    const r = await tern(['run', file, '--json', '--data-dir', join(dir, 'data'), '--input', `doc=${local}`]);
    expect(r.code).toBe(0);
    expect(JSON.parse(r.stdout).state).toBe('SUCCESS');
  });

  it('exits 1 when the execution fails and shows the task tree', async () => {
    const file = write(
      'bad.yml',
      'id: bad\nnamespace: t\ntasks:\n  - { id: boom, type: fail, errorMessage: kaput }\n',
    );
    const r = await tern(['run', file, '--data-dir', join(dir, 'data')]);
    expect(r.code).toBe(1);
    expect(r.stdout).toMatch(/t\.bad \S+ FAILED/);
    expect(r.stdout).toMatch(/boom FAILED/);
    expect(r.stdout).toMatch(/kaput/);
  });

  it('rejects invalid inputs with every problem and exits 1', async () => {
    const file = write(
      'in.yml',
      'id: in\nnamespace: t\ninputs:\n  - { id: n, type: INT }\n  - { id: b, type: BOOLEAN }\ntasks:\n  - { id: a, type: log, message: x }\n',
    );
    const r = await tern([
      'run',
      file,
      '--input',
      'n=abc',
      '--input',
      'b=maybe',
      '--data-dir',
      join(dir, 'data'),
    ]);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/inputs\.n: must be an integer, got 'abc'/);
    expect(r.stderr).toMatch(/inputs\.b: must be true or false, got 'maybe'/);
    expect(r.stderr).not.toMatch(/\n\s+at /);
  });

  it('renders under the limits set by TERN_RENDER_MAX_* variables', async () => {
    const file = write(
      'loop.yml',
      'id: loop\nnamespace: t\ntasks:\n  - id: a\n    type: log\n    message: "{% for i in range(1, 20) %}{{ i }}{% endfor %}"\n',
    );
    const data = ['--data-dir', join(dir, 'data')];
    const limited = await tern(['run', file, ...data], { env: { TERN_RENDER_MAX_ITERATIONS: '10' } });
    expect(limited.code).toBe(1);
    expect(limited.stdout).toMatch(/render stopped: more than 10 loop iterations in expression/);
    expect((await tern(['run', file, ...data])).code).toBe(0);
    const bad = await tern(['run', file, ...data], { env: { TERN_RENDER_MAX_MS: 'soon' } });
    expect(bad.code).not.toBe(0);
    expect(bad.stderr).toMatch(/renderLimits\.maxMillis: NaN is not a positive whole number/);
  });

  it('exits 2 on bad usage', async () => {
    const file = write('u.yml', 'id: u\nnamespace: t\ntasks:\n  - { id: a, type: log, message: x }\n');
    expect((await tern(['run', file, '--input', 'novalue'])).code).toBe(2);
    expect((await tern(['frobnicate'])).code).toBe(2);
  });
});

describe('tern validate', () => {
  it('reports malformed YAML with its line and column', async () => {
    const file = write(
      'malformed.yml',
      'id: m\nnamespace: t\ntasks:\n  - id: a\n    type: log\n   message: [unclosed\n',
    );
    const r = await tern(['validate', file]);
    expect(r.code).toBe(1);
    expect(r.stdout).toMatch(new RegExp(`${file.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}:\\d+:\\d+`));
  });

  it('reports an unknown type with a suggestion, a duplicate id, and a schema error, all at once', async () => {
    const file = write(
      'problems.yml',
      [
        'id: p',
        'namespace: t',
        'tasks:',
        '  - id: a',
        '    type: io.kestra.plugin.core.log.Lg',
        '    message: hi',
        '  - id: a',
        '    type: log',
        '    message: again',
        '  - id: r',
        '    type: log',
        '    message: x',
        '    retry:',
        '      type: constant',
        '      maxAttempts: two',
        '',
      ].join('\n'),
    );
    const r = await tern(['validate', file]);
    expect(r.code).toBe(1);
    expect(r.stdout).toMatch(
      /problems\.yml:5:\d+: tasks\[0\]\.type: unknown type 'io\.kestra\.plugin\.core\.log\.Lg' \(did you mean 'io\.kestra\.plugin\.core\.log\.Log'\?\)/,
    );
    expect(r.stdout).toMatch(/problems\.yml:7:\d+: .*duplicate task id 'a'/);
    expect(r.stdout).toMatch(/problems\.yml:15:\d+: tasks\[2\]\.retry\.maxAttempts: must be an integer/);
  });

  it('reports a bad expression at its position', async () => {
    const file = write(
      'expr.yml',
      'id: e\nnamespace: t\ntasks:\n  - id: a\n    type: log\n    message: "{{ inputs.x + }}"\n',
    );
    const r = await tern(['validate', file]);
    expect(r.code).toBe(1);
    expect(r.stdout).toMatch(/expr\.yml:6:\d+: tasks\[0\]\.message/);
  });

  it('refuses an alias bomb at once, at the alias that makes it too large', async () => {
    const list = `[${Array(1000).fill(0).join(',')}]`;
    const uses = Array.from({ length: 999 }, (_, i) => `  v${i}: *l\n`).join('');
    const file = write(
      'bomb.yml',
      `id: b\nnamespace: t\ntasks:\n  - { id: a, type: log, message: x }\nvariables:\n  list: &l ${list}\n${uses}`,
    );
    const start = Date.now();
    const r = await tern(['validate', file]);
    expect(r.code).toBe(1);
    expect(r.stdout).toMatch(
      /bomb\.yml:\d+:\d+: the flow is too large once its aliases are expanded: more than 100,000 values by alias \*l/,
    );
    expect(Date.now() - start).toBeLessThan(10_000);
  });

  it('refuses a webhook key shorter than 16 characters, naming it', async () => {
    const file = write(
      'hook.yml',
      'id: h\nnamespace: t\ntriggers:\n  - id: in\n    type: webhook\n    key: abc\ntasks:\n  - { id: a, type: log, message: x }\n',
    );
    const r = await tern(['validate', file]);
    expect(r.code).toBe(1);
    expect(r.stdout).toMatch(/hook\.yml:6:\d+: triggers\[0\]\.key: must be at least 16 characters \(got 3\)/);
  });

  it('accepts every example and exits 0', async () => {
    const r = await tern(['validate', 'examples']);
    expect(r.stdout).toMatch(/\d+ valid, 0 invalid/);
    expect(r.code).toBe(0);
  });
});

describe('tern', () => {
  it('runs as an executable, as its bin link and `npx tern` run it', async () => {
    assertBuilt();
    const r = await new Promise<{ code: number | null; stdout: string }>((resolve, reject) => {
      const child = spawn(TERN, ['--version'], { stdio: ['ignore', 'pipe', 'ignore'] });
      let stdout = '';
      child.stdout.on('data', (d: Buffer) => {
        stdout += d.toString();
      });
      child.on('error', reject);
      child.on('close', (code) => resolve({ code, stdout }));
    });
    expect(r.stdout.trim()).toMatch(/^\d+\.\d+\.\d+/);
    expect(r.code).toBe(0);
  });
});

describe('tern schema', () => {
  it('prints a JSON Schema that knows every built-in type', async () => {
    const r = await tern(['schema']);
    expect(r.code).toBe(0);
    const text = r.stdout;
    const schema = JSON.parse(text);
    expect(schema.type).toBe('object');
    for (const type of ['log', 'io.kestra.plugin.core.flow.ForEach', 'script.python', 'http.request'])
      expect(text).toContain(`"${type}"`);
  });

  it('stops quietly, exit status 0, when the reader of its output closes early (| head)', async () => {
    // The schema is far larger than a pipe's buffer: most of it is written after `head` has gone.
    assertBuilt();
    const r = await new Promise<{ code: number | null; stderr: string }>((resolve, reject) => {
      const child = spawn('bash', ['-c', 'set -o pipefail; node "$TERN" schema | head -c 10 > /dev/null'], {
        env: { ...process.env, TERN },
        stdio: ['ignore', 'ignore', 'pipe'],
      });
      let stderr = '';
      child.stderr.on('data', (d: Buffer) => {
        stderr += d.toString();
      });
      child.on('error', reject);
      child.on('close', (code) => resolve({ code, stderr }));
    });
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
  });
});
