/** `tern run`: a Pause leaves the execution PAUSED and says how to resume it; `--resume`; unknown inputs; what --json tells of a failure. */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { tern } from '../support/cli.js';

const dir = mkdtempSync(join(tmpdir(), 'tern-cli-pause-'));
const write = (name: string, text: string) => {
  const path = join(dir, name);
  writeFileSync(path, text);
  return path;
};

const APPROVAL = `id: approval
namespace: t
tasks:
  - id: wait
    type: io.kestra.plugin.core.flow.Pause
    onResume:
      - { id: approved, type: BOOLEAN }
  - id: after
    type: io.kestra.plugin.core.log.Log
    message: "approved: {{ outputs.wait.onResume.approved }}"
`;

describe('tern run and a Pause', () => {
  it('exits 3 with the execution PAUSED and the command that resumes it; --resume goes on with onResume inputs', async () => {
    const file = write('approval.yml', APPROVAL);
    const data = join(dir, 'data-approval');
    const paused = await tern(['run', file, '--data-dir', data]);
    expect(paused.code).toBe(3);
    const id = /execution (\S+) is PAUSED at 'wait' \(onResume inputs: approved\)/.exec(paused.stdout)?.[1];
    expect(id).toBeDefined();
    expect(paused.stdout).toContain(
      `resume it with: tern run ${file} --data-dir ${data} --resume ${id} --input approved=…`,
    );

    const refused = await tern([
      'run',
      file,
      '--data-dir',
      data,
      '--resume',
      id!,
      '--input',
      'approved=perhaps',
    ]);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toContain('inputs.approved');

    const resumed = await tern([
      'run',
      file,
      '--data-dir',
      data,
      '--resume',
      id!,
      '--input',
      'approved=true',
      '--json',
    ]);
    expect(resumed.code).toBe(0);
    const json = JSON.parse(resumed.stdout);
    expect([json.id, json.state]).toEqual([id, 'SUCCESS']);
    expect(json.taskRuns.find((t: { taskId: string }) => t.taskId === 'wait').outputs).toEqual({
      onResume: { approved: true },
    });
  });

  it('waits out a Pause whose task has a timeout: it fails then, WARNING with allowFailure', async () => {
    const file = write(
      'pause-timeout.yml',
      `id: pause-timeout
namespace: t
tasks:
  - { id: wait, type: io.kestra.plugin.core.flow.Pause, timeout: PT0.3S, allowFailure: true }
  - { id: after, type: io.kestra.plugin.core.log.Log, message: went on }
`,
    );
    const run = await tern(['run', file, '--data-dir', join(dir, 'data-timeout'), '--json']);
    const json = JSON.parse(run.stdout);
    expect(json.state).toBe('WARNING');
    expect(json.taskRuns.map((t: { taskId: string; state: string }) => [t.taskId, t.state])).toEqual([
      ['wait', 'WARNING'],
      ['after', 'SUCCESS'],
    ]);
  });

  it('in JSON mode, says PAUSED and how to resume', async () => {
    const file = write('approval-json.yml', APPROVAL.replace('id: approval', 'id: approval-json'));
    const r = await tern(['run', file, '--json', '--data-dir', join(dir, 'data-json')]);
    expect(r.code).toBe(3);
    const json = JSON.parse(r.stdout);
    expect(json.state).toBe('PAUSED');
    expect(json.paused.taskIds).toEqual(['wait']);
    expect(json.paused.resume).toContain(`--resume ${json.id}`);
  });
});

describe('tern run inputs and --json', () => {
  it('refuses an --input the flow does not declare (exit 2), naming the inputs it has', async () => {
    const file = write(
      'typo.yml',
      'id: typo\nnamespace: t\ninputs:\n  - { id: name, type: STRING }\ntasks:\n  - { id: a, type: log, message: x }\n',
    );
    const r = await tern(['run', file, '--data-dir', join(dir, 'data'), '--input', 'nmae=Ada']);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('--input nmae: the flow declares no such input (inputs: name)');
  });

  it('gives labels, the execution error and each failed task run’s error, naming a failed expression', async () => {
    const file = write(
      'fails.yml',
      'id: fails\nnamespace: t\nlabels: { team: data }\ntasks:\n  - { id: bad, type: log, message: "{{ outputs.missing.value }}" }\n',
    );
    const r = await tern(['run', file, '--json', '--data-dir', join(dir, 'data')]);
    expect(r.code).toBe(1);
    const json = JSON.parse(r.stdout);
    expect(json.labels).toMatchObject({ team: 'data' });
    expect(json.error).toContain('bad:');
    expect(json.taskRuns[0].error).toContain('outputs.missing.value');
  });
});

describe('tern run and a retry in a new execution', () => {
  it('follows the execution that retries one ended RETRIED, and reports the last', async () => {
    const file = write(
      'anew.yml',
      `id: anew
namespace: t
tasks:
  - id: boom
    type: io.kestra.plugin.core.execution.Fail
    condition: "{{ execution.id == execution.originalId }}"
    retry: { type: constant, interval: PT0.01S, maxAttempts: 2, behavior: CREATE_NEW_EXECUTION }
`,
    );
    const r = await tern(['run', file, '--json', '--data-dir', join(dir, 'data-anew')]);
    expect(r.code).toBe(0);
    const json = JSON.parse(r.stdout);
    expect(json.state).toBe('SUCCESS');
    expect(json.originalId).not.toBe(json.id);
    expect(json.labels['system.correlationId']).toBe(json.originalId);
  });
});
