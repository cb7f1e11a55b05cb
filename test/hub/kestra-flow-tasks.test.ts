/**
 * Kestra's flowable tasks on the hub (PGlite and PostgreSQL): the examples of
 * examples/kestra/ deployed through the API and run there, ForEachItem's
 * subflows, a Subflow's outputs and WorkingDirectory's files included.
 */
import { readFileSync } from 'node:fs';
import { beforeAll, expect, it } from 'vitest';
import { describeApi } from '../support/hub-api.js';

const NS = 'company.team';
const example = (name: string): string => readFileSync(`examples/kestra/${name}.yml`, 'utf8');

interface TaskRunBody {
  taskId: string;
  state: string;
  outputs: Record<string, unknown>;
}

describeApi('Kestra flowable tasks on the hub', (hub) => {
  beforeAll(async () => {
    for (const name of [
      'flow-dag',
      'flow-wait-for',
      'flow-working-directory',
      'flow-for-each-item-batch',
      'flow-for-each-item',
      'flow-each-sequential-json',
      'flow-subflow-outputs-child',
      'flow-subflow-outputs',
    ]) {
      const res = await hub().call('POST', '/flows', { yaml: example(name) });
      if (res.status !== 201) throw new Error(`cannot deploy ${name}: ${res.text}`);
    }
  });

  /** Runs a deployed flow to its end; returns the execution with its task runs. */
  async function run(flowId: string) {
    const started = await hub().call('POST', `/executions/${NS}/${flowId}?wait=true`, { json: {} });
    expect(started.status).toBe(201);
    const res = await hub().call('GET', `/executions/${started.body.id}`);
    const taskRuns = res.body.taskRuns as TaskRunBody[];
    return { execution: res.body, runs: (id: string) => taskRuns.filter((t) => t.taskId === id) };
  }

  const stored = (uri: unknown): string =>
    readFileSync(hub().storage.executions.files.localPath(uri as string), 'utf8');

  it('runs a Dag to its join', async () => {
    const { execution } = await run('flow-dag');
    expect(execution.state).toBe('SUCCESS');
    expect(execution.outputs).toEqual({ result: 'enriched 3 and loaded' });
  });

  it('loops a WaitFor until its condition holds', async () => {
    const { execution, runs } = await run('flow-wait-for');
    expect(execution.state).toBe('SUCCESS');
    expect(execution.outputs).toEqual({ passes: 3 });
    expect(runs('check')).toHaveLength(3);
  });

  it("shares a WorkingDirectory's folder and stores its output files", async () => {
    const { execution } = await run('flow-working-directory');
    expect(execution.state).toBe('SUCCESS');
    expect(stored(execution.outputs.csv)).toBe('1,ADA\n2,GRACE\n');
  });

  it('starts one subflow execution per ForEachItem batch and merges their outputs', async () => {
    const { execution, runs } = await run('flow-for-each-item');
    expect(execution.state).toBe('SUCCESS');
    const [each] = runs('each');
    expect(each?.outputs.iterations).toEqual({ SUCCESS: 3 });
    expect(stored(each?.outputs.uri)).toBe('{"orders":2}\n{"orders":2}\n{"orders":1}\n');
    const children = await hub().call('GET', `/executions?namespace=${NS}&flowId=flow-for-each-item-batch`);
    expect(children.status).toBe(200);
    expect(children.body.items.filter((e: { state: string }) => e.state === 'SUCCESS')).toHaveLength(3);
  });

  it("renders a Subflow's older `outputs` in the subflow's execution, which inherits the labels", async () => {
    const { execution, runs } = await run('flow-subflow-outputs');
    expect(execution.state).toBe('SUCCESS');
    expect(execution.outputs).toEqual({ fahrenheit: '68' });
    const [call] = runs('call');
    expect(call?.outputs).toMatchObject({ state: 'SUCCESS', outputs: { fahrenheit: '68' } });
    const child = await hub().call('GET', `/executions/${call?.outputs.executionId}`);
    expect(child.body.labels).toMatchObject({ site: 'north', 'system.correlationId': execution.id });
  });

  it('iterates an EachSequential over JSON text', async () => {
    const { execution, runs } = await run('flow-each-sequential-json');
    expect(execution.state).toBe('SUCCESS');
    expect(runs('reading').map((t) => t.outputs.value)).toEqual(['north=4', 'south=9']);
  });
});
