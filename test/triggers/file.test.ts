/**
 * The `file` trigger on a real folder with a real watch: which events start
 * executions, what a file written in several steps starts, and what a
 * restart finds (files that came, changed or went while it was stopped).
 */
import { mkdirSync, mkdtempSync, renameSync, rmSync, unlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { Execution } from '../../protocol/execution.js';
import { ManualClock } from '../support/clock.js';
import { eventually, type RigOptions, type TriggerRig, triggerRig } from './harness.js';

const rigs: TriggerRig[] = [];
const dirs: string[] = [];
afterEach(async () => {
  for (const r of rigs.splice(0)) await r.close();
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

function folder(): string {
  const dir = mkdtempSync(join(tmpdir(), 'tern-file-trigger-'));
  dirs.push(dir);
  return dir;
}

function rig(options: RigOptions = {}): TriggerRig {
  const r = triggerRig(options);
  rigs.push(r);
  return r;
}

const onFile = (path: string, extra = '') => `id: on-file
namespace: test.file
triggers:
  - id: inbox
    type: file
    path: ${path}
    debounce: 50ms
${extra}tasks:
  - id: show
    type: log
    message: "{{ trigger.event }} {{ trigger.name }}"
`;

const ALL_EVENTS = '    events: [CREATE, MODIFY, DELETE]\n';

const seen = (started: Execution[]) => started.map((e) => `${e.trigger?.event} ${e.trigger?.name}`);

/** Waits until the trigger has looked at the folder once (the first scan runs as it starts). */
const started = (r: TriggerRig) => eventually(() => expect(r.triggers.list()).toHaveLength(1));

describe('file trigger', () => {
  it('starts an execution per matching file created, modified and deleted, with its details', async () => {
    const dir = folder();
    const r = rig();
    await r.deploy(onFile(`${dir}/*.csv`, ALL_EVENTS));
    await started(r);

    writeFileSync(join(dir, 'a.csv'), 'id,value\n');
    await eventually(() => expect(seen(r.started)).toEqual(['CREATE a.csv']));
    expect(r.started[0]?.trigger).toMatchObject({
      path: join(dir, 'a.csv'),
      directory: dir,
      size: 9,
      modified: expect.stringMatching(/^\d{4}-\d\d-\d\dT/),
    });

    writeFileSync(join(dir, 'notes.txt'), 'not a csv');
    writeFileSync(join(dir, '.partial.csv'), 'hidden');
    writeFileSync(join(dir, 'a.csv'), 'id,value\n1,2\n');
    await eventually(() => expect(seen(r.started)).toEqual(['CREATE a.csv', 'MODIFY a.csv']));
    unlinkSync(join(dir, 'a.csv'));
    await eventually(() => expect(seen(r.started)).toEqual(['CREATE a.csv', 'MODIFY a.csv', 'DELETE a.csv']));
    expect(r.started[2]?.trigger).toMatchObject({ size: null, modified: null });
  });

  it('fires only the events asked for (CREATE and MODIFY by default)', async () => {
    const dir = folder();
    const r = rig();
    await r.deploy(onFile(dir));
    await started(r);
    writeFileSync(join(dir, 'one'), '1');
    await eventually(() => expect(seen(r.started)).toEqual(['CREATE one']));
    unlinkSync(join(dir, 'one'));
    writeFileSync(join(dir, 'two'), '2');
    await eventually(() => expect(seen(r.started)).toEqual(['CREATE one', 'CREATE two']));
    await r.fx.engine.idle();
    expect(seen(r.started)).not.toContain('DELETE one');
  });

  it('starts one execution for a file written in several steps, once it has stayed unchanged', async () => {
    const dir = folder();
    const clock = new ManualClock('2024-05-01T08:00:00Z');
    const r = rig({ clock });
    await r.deploy(onFile(dir));
    await started(r);
    writeFileSync(join(dir, 'upload.bin'), 'part 1;');
    writeFileSync(join(dir, 'upload.bin'), 'part 1; part 2;', { flag: 'w' });
    writeFileSync(join(dir, 'upload.bin'), 'part 1; part 2; part 3', { flag: 'w' });
    await eventually(() => expect(clock.pending).toBeGreaterThan(0));
    await clock.advance(1000);
    await eventually(() => expect(r.started).toHaveLength(1));
    // Events the watch delivers late find the file as it was checked: nothing more starts.
    await clock.advance(1000);
    await r.fx.engine.idle();
    expect(r.started.map((e) => [e.trigger?.event, e.trigger?.size])).toEqual([['CREATE', 22]]);
  });

  it('with ** watches subfolders, including a folder moved in with its files', async () => {
    const dir = folder();
    const outside = folder();
    const r = rig();
    await r.deploy(onFile(`${dir}/**/*.csv`));
    await started(r);
    mkdirSync(join(dir, 'site-a'));
    writeFileSync(join(dir, 'site-a', 'day1.csv'), 'x');
    await eventually(() => expect(seen(r.started)).toEqual(['CREATE day1.csv']));
    mkdirSync(join(outside, 'site-b'));
    writeFileSync(join(outside, 'site-b', 'day2.csv'), 'y');
    writeFileSync(join(outside, 'site-b', 'day2.txt'), 'z');
    renameSync(join(outside, 'site-b'), join(dir, 'site-b'));
    await eventually(() => expect(seen(r.started)).toEqual(['CREATE day1.csv', 'CREATE day2.csv']));
  });

  it('records what is there at its first start, and after a restart fires what changed meanwhile', async () => {
    const dir = folder();
    writeFileSync(join(dir, 'kept.csv'), 'same');
    writeFileSync(join(dir, 'changed.csv'), 'before');
    writeFileSync(join(dir, 'removed.csv'), 'soon gone');
    const first = triggerRig();
    await first.deploy(onFile(dir, ALL_EVENTS));
    await started(first);
    await first.close(true);
    expect(first.started).toEqual([]);

    writeFileSync(join(dir, 'changed.csv'), 'after the restart');
    unlinkSync(join(dir, 'removed.csv'));
    writeFileSync(join(dir, 'arrived.csv'), 'new');
    const second = rig({ dir: first.dir });
    await second.deploy(onFile(dir, ALL_EVENTS));
    await eventually(() => expect(second.started).toHaveLength(3));
    expect(seen(second.started).sort()).toEqual([
      'CREATE arrived.csv',
      'DELETE removed.csv',
      'MODIFY changed.csv',
    ]);
  });

  it('waits for a folder that does not exist yet, then reports what appears in it', async () => {
    const root = folder();
    const clock = new ManualClock('2024-05-01T08:00:00Z');
    const r = rig({ clock });
    await r.deploy(onFile(`${join(root, 'later')}/`));
    await started(r);
    expect(r.logs.some((l) => l.level === 'warn' && l.message.includes('cannot watch'))).toBe(true);
    mkdirSync(join(root, 'later'));
    writeFileSync(join(root, 'later', 'first.txt'), 'hello');
    await clock.advance(5000);
    await eventually(() => expect(seen(r.started)).toEqual(['CREATE first.txt']));
  });
});
