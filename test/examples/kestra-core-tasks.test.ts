/** The flows of examples/kestra/core-*.yml, written in Kestra's syntax, run on the real engine and do what they say. */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { StartOptions } from '../../runtime/engine/engine.js';
import { type EngineFixture, engineFixture } from '../support/engine.js';

const DIR = join(import.meta.dirname, '..', '..', 'examples', 'kestra');

let fx: EngineFixture;
beforeEach(() => {
  fx = engineFixture();
});
afterEach(async () => {
  await fx.close();
});

const run = (file: string, options?: StartOptions) => fx.run(readFileSync(join(DIR, file), 'utf8'), options);
const text = (uri: unknown) => readFileSync(fx.store.files.localPath(String(uri)), 'utf8');
const items = (uri: unknown, key: string) =>
  text(uri)
    .trim()
    .split('\n')
    .map((line) => JSON.parse(line)[key]);

describe('examples/kestra (core tasks)', () => {
  it('core-labels adds labels from a map and a list to the execution', async () => {
    const r = await run('core-labels.yml');
    expect([r.execution.state, r.execution.labels]).toEqual([
      'SUCCESS',
      {
        source: 'example',
        customerId: 'C-1001',
        order_id: 'O-42',
        order_type: 'online',
        'system.correlationId': r.execution.id,
      },
    ]);
  });

  it('core-exit runs to its end with CONTINUE, and is KILLED before the last task with END', async () => {
    const continued = await run('core-exit.yml');
    const ended = await run('core-exit.yml', { inputs: { state: 'END' } });
    expect([continued.execution.state, continued.run('end').state, ended.execution.state]).toEqual([
      'SUCCESS',
      'SUCCESS',
      'KILLED',
    ]);
    expect(ended.taskRuns.some((t) => t.taskId === 'end')).toBe(false);
  });

  it('core-assert passes with ok and fails with anything else, saying why', async () => {
    const ok = await run('core-assert.yml');
    const bad = await run('core-assert.yml', { inputs: { param: 'nope' } });
    expect([ok.execution.state, bad.execution.state, bad.run('assert').error]).toEqual([
      'SUCCESS',
      'FAILED',
      "2 assertions failed!\nparam must be 'ok', got 'nope'",
    ]);
  });

  it('core-fail-on-condition fails only when asked to', async () => {
    const go = await run('core-fail-on-condition.yml');
    const fail = await run('core-fail-on-condition.yml', { inputs: { param: 'fail' } });
    expect([go.execution.state, go.messages('after'), fail.execution.state, fail.run('fail').error]).toEqual([
      'SUCCESS',
      ["I'm after the fail on condition"],
      'FAILED',
      'Task failure',
    ]);
  });

  it('core-log-fetch keeps the ERROR line of the execution in a file', async () => {
    const r = await run('core-log-fetch.yml');
    const fetch = r.run('fetch').outputs;
    expect([fetch.size, items(fetch.uri, 'message')]).toEqual([1, ['This is an error message']]);
  });

  it('core-state remembers the files of earlier executions', async () => {
    await run('core-state.yml', { inputs: { file: 'a.csv' } });
    const r = await run('core-state.yml', { inputs: { file: 'b.csv' } });
    expect([
      r.run('seen_before').outputs.count,
      Object.keys(r.run('seen_now').outputs.data as object),
    ]).toEqual([1, ['a.csv', 'b.csv']]);
  });

  it('core-state-delete forgets the shared state', async () => {
    const r = await run('core-state-delete.yml');
    expect([r.run('delete').outputs, r.run('check').outputs]).toEqual([
      { deleted: true },
      { count: 0, data: {} },
    ]);
  });

  it('core-storage-concat joins two files with a line break', async () => {
    const r = await run('core-storage-concat.yml');
    const joined = 'Hello John\nGoodbye John\nHello Jane\nGoodbye Jane\n';
    expect([text(r.run('concat').outputs.uri), r.run('size').outputs.size]).toEqual([joined, joined.length]);
  });

  it('core-storage-split cuts by rows and by sensor', async () => {
    const r = await run('core-storage-split.yml');
    const lineCounts = (uris: unknown) => (uris as string[]).map((u) => text(u).trim().split('\n').length);
    expect([lineCounts(r.run('by_rows').outputs.uris), lineCounts(r.run('by_sensor').outputs.uris)]).toEqual([
      [4, 4, 2],
      [5, 5],
    ]);
    expect(text((r.run('by_sensor').outputs.uris as string[])[0]).startsWith('[sensor1] reading 1\n')).toBe(
      true,
    );
  });

  it('core-storage-reverse-delete reverses the lines and deletes the original', async () => {
    const r = await run('core-storage-reverse-delete.yml');
    const original = (r.run('generate').outputs.outputFiles as Record<string, string>)['lines.txt'];
    expect([
      text(r.run('reverse').outputs.uri),
      r.run('delete').outputs.deleted,
      existsSync(fx.store.files.localPath(original!)),
    ]).toEqual(['third\nsecond\nfirst\n', true, false]);
  });

  it('core-storage-deduplicate keeps the last order of each customer', async () => {
    const r = await run('core-storage-deduplicate.yml');
    const { uri, ...counts } = r.run('dedup').outputs;
    expect([items(uri, 'order_id'), counts]).toEqual([
      [2, 3, 5],
      { numKeys: 3, processedItemsTotal: 5, droppedItemsTotal: 2 },
    ]);
  });

  it('core-storage-filter keeps the orders of product 20', async () => {
    const r = await run('core-storage-filter.yml');
    const { uri, ...counts } = r.run('filter').outputs;
    expect([items(uri, 'order_id'), counts]).toEqual([
      [1, 3],
      { processedItemsTotal: 4, droppedItemsTotal: 2 },
    ]);
  });

  it('core-local-files stores the files it made, then purges them', async () => {
    const r = await run('core-local-files.yml');
    const uris = r.run('files').outputs.uris as Record<string, string>;
    expect([Object.keys(uris), [...(r.run('purge').outputs.uris as string[])].sort()]).toEqual([
      ['config/settings.json', 'hello.txt'],
      Object.values(uris).sort(),
    ]);
  });

  it('core-templated-task runs the tasks its specs describe', async () => {
    const r = await run('core-templated-task.yml', { inputs: { level: 'ERROR' } });
    expect([
      r.logs.filter((l) => l.taskId === 'templated_log').map((l) => [l.level, l.message]),
      r.run('templated_return').outputs,
    ]).toEqual([[['ERROR', 'logged at ERROR']], { value: 'error' }]);
  });

  it('core-purge-executions removes no execution younger than a week', async () => {
    const failed = await run('core-assert.yml', { inputs: { param: 'nope' } });
    const r = await run('core-purge-executions.yml');
    expect([
      r.run('purge').outputs.executionsCount,
      (await fx.store.getExecution(failed.execution.id))?.execution.state,
    ]).toEqual([0, 'FAILED']);
  });

  it('core-trigger-toggle says, outside the hub, that it runs on the hub', async () => {
    const r = await run('core-trigger-toggle.yml');
    expect(r.run('toggle').error).toMatch(/^trigger\.toggle runs on the hub/);
  });
});
