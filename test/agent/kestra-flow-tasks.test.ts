/**
 * Kestra's flowable tasks on an agent: flows assigned by the hub (stand-in)
 * and run on a `run` command — a Dag, a ForEachItem whose subflow
 * executions run on the agent too, and a Subflow's older `outputs`.
 */
import { readFileSync } from 'node:fs';
import { afterEach, expect, it } from 'vitest';
import { Cleanup, command, eventually, rig } from './harness.js';
import { desired } from './hub-stand-in.js';

const cleanup = new Cleanup();
afterEach(() => cleanup.run());

const NS = 'company.team';
const example = (id: string) => ({
  id,
  namespace: NS,
  source: readFileSync(`examples/kestra/${id}.yml`, 'utf8'),
});

it('runs a Dag and a ForEachItem with its subflows on the agent', async () => {
  const r = await rig(cleanup);
  const flows = [example('flow-dag'), example('flow-for-each-item'), example('flow-for-each-item-batch')];
  await r.hub.desire(desired(1, flows));
  await eventually(() => expect(r.hub.reported.at(-1)?.applied.length).toBe(3));

  for (const [flowId, executionId] of [
    ['flow-dag', 'ex-dag'],
    ['flow-for-each-item', 'ex-items'],
  ] as const) {
    const answer = await command(r.hub, { type: 'run', namespace: NS, flowId, executionId });
    expect(answer.ok).toBe(true);
    expect((await r.agent.engine.wait(executionId)).state).toBe('SUCCESS');
  }
  await r.agent.store.flush();
  const dag = await r.agent.store.getExecution('ex-dag');
  expect(dag?.execution.outputs).toEqual({ result: 'enriched 3 and loaded' });
  const items = await r.agent.store.getExecution('ex-items');
  const each = items?.taskRuns.find((t) => t.taskId === 'each');
  expect(each?.outputs.iterations).toEqual({ SUCCESS: 3 });
  expect(readFileSync(r.agent.store.files.localPath(each?.outputs.uri as string), 'utf8')).toBe(
    '{"orders":2}\n{"orders":2}\n{"orders":1}\n',
  );
});

it("renders a Subflow's older `outputs` in its subflow's execution on the agent", async () => {
  const r = await rig(cleanup);
  const flows = [example('flow-subflow-outputs'), example('flow-subflow-outputs-child')];
  await r.hub.desire(desired(1, flows));
  await eventually(() => expect(r.hub.reported.at(-1)?.applied.length).toBe(2));
  const flowId = 'flow-subflow-outputs';
  const answer = await command(r.hub, { type: 'run', namespace: NS, flowId, executionId: 'ex-sub' });
  expect(answer.ok).toBe(true);
  expect((await r.agent.engine.wait('ex-sub')).state).toBe('SUCCESS');
  await r.agent.store.flush();
  const parent = await r.agent.store.getExecution('ex-sub');
  expect(parent?.execution.outputs).toEqual({ fahrenheit: '68' });
  const call = parent?.taskRuns.find((t) => t.taskId === 'call');
  const child = await r.agent.store.getExecution(call?.outputs.executionId as string);
  expect(child?.execution.labels).toMatchObject({ site: 'north' });
});
