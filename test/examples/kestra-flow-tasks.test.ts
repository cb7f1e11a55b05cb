/**
 * The flowable-task examples of examples/kestra/ (Dag, Sleep, WaitFor,
 * WorkingDirectory, ForEachItem, Subflow, EachSequential, EachParallel, older names),
 * each run through `tern run --json` and checked against what Kestra gives.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { DirectoryFileStorage } from '../../runtime/file-storage.js';
import { tern } from '../support/cli.js';

interface RunJson {
  state: string;
  outputs: Record<string, unknown>;
  taskRuns: { taskId: string; state: string; value: string | null; outputs: Record<string, unknown> }[];
}

const dataDir = mkdtempSync(join(tmpdir(), 'tern-kestra-flow-tasks-'));
const files = new DirectoryFileStorage(join(dataDir, 'files'));
afterAll(() => rmSync(dataDir, { recursive: true, force: true }));

async function run(name: string): Promise<RunJson> {
  const r = await tern(['run', `examples/kestra/${name}.yml`, '--json', '--data-dir', dataDir]);
  if (r.stdout.trim() === '') throw new Error(`no JSON from tern run ${name}: ${r.stderr}`);
  return JSON.parse(r.stdout) as RunJson;
}

const runsOf = (r: RunJson, taskId: string) => r.taskRuns.filter((t) => t.taskId === taskId);
const only = (r: RunJson, taskId: string) => {
  const [first, ...rest] = runsOf(r, taskId);
  if (!first || rest.length > 0) throw new Error(`expected one task run of ${taskId}`);
  return first;
};
const stored = (uri: unknown): string => readFileSync(files.localPath(uri as string), 'utf8');

describe('examples/kestra flowable tasks', () => {
  it('flow-dag joins two branches once both have ended', async () => {
    const r = await run('flow-dag');
    expect(r.state).toBe('SUCCESS');
    expect(r.outputs).toEqual({ result: 'enriched 3 and loaded' });
    for (const id of ['dag', 'extract', 'clean', 'enrich', 'load']) expect(only(r, id).state).toBe('SUCCESS');
  });

  it('flow-sleep sleeps, then carries on', async () => {
    const r = await run('flow-sleep');
    expect(r.state).toBe('SUCCESS');
    expect(only(r, 'settle').state).toBe('SUCCESS');
    expect(only(r, 'after').state).toBe('SUCCESS');
  });

  it('flow-wait-for loops three times', async () => {
    const r = await run('flow-wait-for');
    expect(r.state).toBe('SUCCESS');
    expect(r.outputs).toEqual({ passes: 3 });
    expect(only(r, 'poll').outputs).toEqual({ iterationCount: 3 });
    expect(runsOf(r, 'check')).toHaveLength(3);
  });

  it('flow-working-directory shares one folder between its shell tasks and keeps the CSV', async () => {
    const r = await run('flow-working-directory');
    expect(r.state).toBe('SUCCESS');
    expect(stored(r.outputs.csv)).toBe('1,ADA\n2,GRACE\n');
  });

  it('flow-for-each-item runs one subflow per batch of two and merges their outputs', async () => {
    const r = await run('flow-for-each-item');
    expect(r.state).toBe('SUCCESS');
    expect(r.outputs).toEqual({ batches: 3 });
    const each = only(r, 'each').outputs;
    expect(each.iterations).toEqual({ SUCCESS: 3 });
    expect(stored(each.uri)).toBe('{"orders":2}\n{"orders":2}\n{"orders":1}\n');
  });

  it("flow-subflow-outputs picks the subflow's outputs in the subflow's execution", async () => {
    const r = await run('flow-subflow-outputs');
    expect(r.state).toBe('SUCCESS');
    expect(r.outputs).toEqual({ fahrenheit: '68' });
    expect(only(r, 'call').outputs).toMatchObject({ state: 'SUCCESS', outputs: { fahrenheit: '68' } });
  });

  it('flow-each-sequential-json gives map items as JSON text', async () => {
    const r = await run('flow-each-sequential-json');
    expect(r.state).toBe('SUCCESS');
    expect(runsOf(r, 'reading').map((t) => [t.value, t.outputs.value])).toEqual([
      ['{"site":"north","celsius":4}', 'north=4'],
      ['{"site":"south","celsius":9}', 'south=9'],
    ]);
  });

  it('flow-each-parallel runs one iteration per item', async () => {
    const r = await run('flow-each-parallel');
    expect(r.state).toBe('SUCCESS');
    expect(
      runsOf(r, 'ping')
        .map((t) => t.outputs.value)
        .sort(),
    ).toEqual(['plant-1 is up', 'plant-2 is up', 'plant-3 is up']);
  });

  it('flow-legacy-names runs the io.kestra.core.tasks.flows.* names', async () => {
    const r = await run('flow-legacy-names');
    expect(r.state).toBe('WARNING');
    expect(only(r, 'matched').outputs).toEqual({ value: 'matched right' });
    expect(only(r, 'tolerant').state).toBe('WARNING');
    expect(only(r, 'broken').state).toBe('FAILED');
  });
});
