/** POST /executions/{id}/resume over real HTTP on the real engine: onResume inputs validated, then the execution goes on. */
import { beforeAll, expect, it } from 'vitest';
import { describeApi, until } from '../support/hub-api.js';

const NS = 'resume.t';

const APPROVAL = `id: approval
namespace: ${NS}
tasks:
  - id: wait_for_approval
    type: io.kestra.plugin.core.flow.Pause
    onResume:
      - id: approved
        type: BOOLEAN
      - id: reason
        type: STRING
        defaults: Well-deserved vacation
  - id: decision
    type: io.kestra.plugin.core.output.OutputValues
    values:
      approved: "{{ outputs.wait_for_approval.onResume.approved }}"
      reason: "{{ outputs.wait_for_approval.onResume.reason }}"
`;

describeApi('resuming a paused execution', (hub) => {
  beforeAll(async () => {
    const res = await hub().call('POST', '/flows', { yaml: APPROVAL });
    if (res.status !== 201) throw new Error(`cannot create the test flow: ${res.text}`);
  });

  it('stays PAUSED, refuses onResume inputs that do not fit (422), then goes on with those that do', async () => {
    const api = hub();
    const started = await api.call('POST', `/executions/${NS}/approval`, { json: {} });
    const id = started.body.id as string;
    const state = async () => (await api.call('GET', `/executions/${id}`)).body.state as string;
    await until(async () => (await state()) === 'PAUSED', 'the execution is paused');

    const bad = await api.call('POST', `/executions/${id}/resume`, { json: { approved: 'maybe' } });
    expect(bad.status).toBe(422);
    expect(bad.body.error.details.map((p: { path: string }) => p.path)).toEqual(['inputs.approved']);
    expect(await state()).toBe('PAUSED');

    const ok = await api.call('POST', `/executions/${id}/resume`, { json: { approved: true } });
    expect(ok.status).toBe(202);
    const ended = await api.engine.wait(id);
    expect(ended.state).toBe('SUCCESS');
    const shown = await api.call('GET', `/executions/${id}`);
    const decision = shown.body.taskRuns.find((t: { taskId: string }) => t.taskId === 'decision');
    // OutputValues renders its strings to text, as Kestra does: `approved` is "true".
    expect(decision.outputs.values).toEqual({ approved: 'true', reason: 'Well-deserved vacation' });
  });

  it('answers 409 for an execution that is not paused', async () => {
    const api = hub();
    const started = await api.call('POST', `/executions/${NS}/approval`, { json: {} });
    const id = started.body.id as string;
    await until(async () => (await api.call('GET', `/executions/${id}`)).body.state === 'PAUSED', 'paused');
    await api.call('POST', `/executions/${id}/resume`, { json: { approved: false } });
    await api.engine.wait(id);
    const again = await api.call('POST', `/executions/${id}/resume`, { json: {} });
    expect(again.status).toBe(409);
    expect(again.body.error.message).toContain('SUCCESS');
  });
});
