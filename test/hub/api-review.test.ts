/** POST /executions/{id}/review over real HTTP on the real engine: an approval approved or denied through the API. */
import { beforeAll, expect, it } from 'vitest';
import { describeApi, until } from '../support/hub-api.js';

const NS = 'review.t';

const GATE = `id: gate
namespace: ${NS}
tasks:
  - id: approval
    type: io.kestra.plugin.core.flow.Approval
    commentRequired: ON_DENY
    inputs:
      - { id: window, type: INT, defaults: 30 }
    onApprove:
      - { id: open, type: io.kestra.plugin.core.log.Log, message: "open for {{ outputs.approval.inputs.window }} min" }
    onDeny:
      - { id: keep, type: io.kestra.plugin.core.log.Log, message: keep closed }
`;

describeApi('reviewing a paused approval', (hub) => {
  beforeAll(async () => {
    const res = await hub().call('POST', '/flows', { yaml: GATE });
    if (res.status !== 201) throw new Error(`cannot create the test flow: ${res.text}`);
  });

  const pausedGate = async () => {
    const api = hub();
    const started = await api.call('POST', `/executions/${NS}/gate`, { json: {} });
    const id = started.body.id as string;
    await until(
      async () => (await api.call('GET', `/executions/${id}`)).body.state === 'PAUSED',
      'the execution is paused',
    );
    return id;
  };

  it('refuses what does not fit (400, 422), then approves: onApprove runs with the inputs, the reviewer is kept', async () => {
    const api = hub();
    const id = await pausedGate();
    const bad = await api.call('POST', `/executions/${id}/review`, {
      json: { decision: 'APPROVED', inputs: { window: 'soon' } },
    });
    expect(bad.status).toBe(422);
    const unknownDecision = await api.call('POST', `/executions/${id}/review`, {
      json: { decision: 'MAYBE' },
    });
    expect(unknownDecision.status).toBe(400);

    const ok = await api.call('POST', `/executions/${id}/review`, {
      json: { decision: 'APPROVED', comment: 'go', inputs: { window: 15 } },
    });
    expect(ok.status).toBe(202);
    expect((await api.engine.wait(id)).state).toBe('SUCCESS');
    const shown = await api.call('GET', `/executions/${id}`);
    const approval = shown.body.taskRuns.find((t: { taskId: string }) => t.taskId === 'approval');
    expect(approval.outputs).toMatchObject({ decision: 'APPROVED', comment: 'go', inputs: { window: 15 } });
    expect(typeof approval.outputs.by).toBe('string');
    expect(shown.body.taskRuns.some((t: { taskId: string }) => t.taskId === 'open')).toBe(true);

    const again = await api.call('POST', `/executions/${id}/review`, {
      json: { decision: 'DENIED', comment: 'no' },
    });
    expect(again.status).toBe(409);
  });

  it('needs a comment to deny (422), then cancels the execution after onDeny', async () => {
    const api = hub();
    const id = await pausedGate();
    const bare = await api.call('POST', `/executions/${id}/review`, { json: { decision: 'DENIED' } });
    expect(bare.status).toBe(422);
    expect(bare.text).toContain('comment is required');
    const ok = await api.call('POST', `/executions/${id}/review`, {
      json: { decision: 'DENIED', comment: 'not during the night shift' },
    });
    expect(ok.status).toBe(202);
    expect((await api.engine.wait(id)).state).toBe('CANCELLED');
  });
});
