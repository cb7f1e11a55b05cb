/**
 * The `schedule` trigger on a hand-moved clock: cron dates, time zones,
 * seconds, shortcuts, no overlap, and recovery of dates missed while stopped.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { builtinRegistry } from '../../plugins/builtin.js';
import { parseFlow } from '../../runtime/flow-loader.js';
import { ManualClock } from '../support/clock.js';
import { startedCount, type TriggerRig, triggerRig } from './harness.js';

const rigs: TriggerRig[] = [];
afterEach(async () => {
  for (const rig of rigs.splice(0)) await rig.close();
});

function rig(clock: ManualClock, dir?: string): TriggerRig {
  const r = triggerRig({ clock, dir });
  rigs.push(r);
  return r;
}

/** A flow with one schedule trigger; `extra` lines go under the trigger. */
const scheduled = (
  cron: string,
  extra = '',
  tasks = '  - id: hello\n    type: log\n    message: "at {{ trigger.date }}"\n',
) =>
  `id: nightly\nnamespace: test.schedule\ntriggers:\n  - id: tick\n    type: schedule\n    cron: "${cron}"\n${extra}tasks:\n${tasks}`;

const dates = (r: TriggerRig) => r.started.map((e) => e.trigger?.date);

describe('schedule: dates', () => {
  it('starts an execution at each cron date, with date, next and previous', async () => {
    const clock = new ManualClock('2024-01-15T10:02:00Z');
    const r = rig(clock);
    await r.deploy(scheduled('*/5 * * * *', '    timezone: UTC\n'));
    await clock.advanceTo('2024-01-15T10:11:00Z');
    await startedCount(r, 2);
    expect(r.started.map((e) => e.trigger)).toEqual([
      {
        date: '2024-01-15T10:05:00.000Z',
        next: '2024-01-15T10:10:00.000Z',
        previous: '2024-01-15T10:00:00.000Z',
      },
      {
        date: '2024-01-15T10:10:00.000Z',
        next: '2024-01-15T10:15:00.000Z',
        previous: '2024-01-15T10:05:00.000Z',
      },
    ]);
    expect(r.started[0]?.startDate).toBe('2024-01-15T10:05:00.000Z');
  });

  it('reads the expression in its time zone and gives dates with that offset', async () => {
    const clock = new ManualClock('2024-01-15T06:00:00Z');
    const r = rig(clock);
    await r.deploy(scheduled('0 9 * * *', '    timezone: Europe/Paris\n'));
    await clock.advanceTo('2024-01-15T07:59:59Z');
    expect(r.started).toHaveLength(0);
    await clock.advanceTo('2024-01-15T08:00:00Z');
    await startedCount(r, 1);
    expect(r.started[0]?.trigger?.date).toBe('2024-01-15T09:00:00.000+01:00');
    expect(r.started[0]?.startDate).toBe('2024-01-15T08:00:00.000Z');
  });

  it('follows daylight saving time in the time zone', async () => {
    const clock = new ManualClock('2024-03-30T12:00:00Z');
    const r = rig(clock);
    await r.deploy(scheduled('0 9 * * *', '    timezone: Europe/Paris\n'));
    await clock.advanceTo('2024-04-01T00:00:00Z');
    await startedCount(r, 1);
    // 09:00 in Paris is 08:00Z before the change on 31 March, 07:00Z after it.
    expect(r.started.map((e) => e.startDate)).toEqual(['2024-03-31T07:00:00.000Z']);
  });

  it('takes a leading seconds field with withSeconds: true', async () => {
    const clock = new ManualClock('2024-01-15T10:00:01Z');
    const r = rig(clock);
    await r.deploy(scheduled('*/20 * * * * *', '    withSeconds: true\n    timezone: UTC\n'));
    await clock.advanceTo('2024-01-15T10:01:00Z');
    await startedCount(r, 3);
    expect(dates(r)).toEqual([
      '2024-01-15T10:00:20.000Z',
      '2024-01-15T10:00:40.000Z',
      '2024-01-15T10:01:00.000Z',
    ]);
  });

  it('understands @hourly-style shortcuts', async () => {
    const clock = new ManualClock('2024-01-15T10:30:00Z');
    const r = rig(clock);
    await r.deploy(scheduled('@hourly', '    timezone: UTC\n'));
    await clock.advanceTo('2024-01-15T12:00:00Z');
    await startedCount(r, 2);
    expect(dates(r)).toEqual(['2024-01-15T11:00:00.000Z', '2024-01-15T12:00:00.000Z']);
  });

  it('is refused at validation with a cron expression of the wrong shape or an unknown time zone', () => {
    const problems = (yaml: string) =>
      parseFlow(yaml, builtinRegistry()).problems.map((p) => `${p.path}: ${p.message}`);
    expect(problems(scheduled('0 9 * *'))).toEqual([
      expect.stringMatching(/^triggers\[0\]\.cron: '0 9 \* \*' has 4 fields; a cron expression has 5/),
    ]);
    expect(problems(scheduled('* * * * *', '    withSeconds: true\n'))).toEqual([
      expect.stringMatching(/^triggers\[0\]\.cron: .*with withSeconds: true a cron expression has 6/),
    ]);
    expect(problems(scheduled('61 * * * *'))).toEqual([
      expect.stringMatching(/^triggers\[0\]\.cron: '61 \* \* \* \*' is not a valid cron expression/),
    ]);
    expect(problems(scheduled('* * * * *', '    timezone: Mars/Olympus\n'))).toEqual([
      "triggers[0].timezone: 'Mars/Olympus' is not a known time zone (IANA name such as Europe/Paris)",
    ]);
  });
});

describe('schedule: overlap', () => {
  const waiting = '  - id: wait\n    type: pause\n';

  it('skips a date while the previous execution still runs', async () => {
    const clock = new ManualClock('2024-01-15T10:00:30Z');
    const r = rig(clock);
    await r.deploy(scheduled('* * * * *', '    timezone: UTC\n', waiting));
    await clock.advanceTo('2024-01-15T10:01:00Z');
    const [first] = await startedCount(r, 1);
    await clock.advanceTo('2024-01-15T10:02:00Z');
    expect(r.started).toHaveLength(1);
    expect(
      r.logs.some((l) =>
        l.message.includes('10:02:00.000Z skipped: the previous execution is still running'),
      ),
    ).toBe(true);
    r.fx.engine.resume(first!.id);
    await r.fx.engine.wait(first!.id);
    await clock.advanceTo('2024-01-15T10:03:00Z');
    await startedCount(r, 2);
    expect(dates(r)).toEqual(['2024-01-15T10:01:00.000Z', '2024-01-15T10:03:00.000Z']);
    r.fx.engine.resume(r.started[1]!.id);
  });

  it('starts alongside a running execution with allowConcurrent: true', async () => {
    const clock = new ManualClock('2024-01-15T10:00:30Z');
    const r = rig(clock);
    await r.deploy(scheduled('* * * * *', '    timezone: UTC\n    allowConcurrent: true\n', waiting));
    await clock.advanceTo('2024-01-15T10:02:00Z');
    await startedCount(r, 2);
    expect(r.fx.engine.activeCount).toBe(2);
    for (const e of r.started) r.fx.engine.resume(e.id);
  });
});

describe('schedule: a timer woken late', () => {
  // An event loop held up past several dates (a replica busy taking a schedule over, a loaded machine).
  it('ALL starts every date that passed, oldest first', async () => {
    const clock = new ManualClock('2024-01-15T10:00:00.500Z');
    const r = rig(clock);
    await r.deploy(
      scheduled('* * * * * *', '    withSeconds: true\n    timezone: UTC\n    allowConcurrent: true\n'),
    );
    await clock.jumpTo('2024-01-15T10:00:03.700Z');
    await startedCount(r, 3);
    await clock.advanceTo('2024-01-15T10:00:04Z');
    await startedCount(r, 4);
    expect(dates(r)).toEqual([
      '2024-01-15T10:00:01.000Z',
      '2024-01-15T10:00:02.000Z',
      '2024-01-15T10:00:03.000Z',
      '2024-01-15T10:00:04.000Z',
    ]);
  });

  it('LAST starts only the latest date that passed', async () => {
    const clock = new ManualClock('2024-01-15T10:00:00.500Z');
    const r = rig(clock);
    const props = '    withSeconds: true\n    timezone: UTC\n    recoverMissedSchedules: LAST\n';
    await r.deploy(scheduled('* * * * * *', props));
    await clock.jumpTo('2024-01-15T10:00:03.700Z');
    await startedCount(r, 1);
    await clock.advanceTo('2024-01-15T10:00:04Z');
    await startedCount(r, 2);
    expect(dates(r)).toEqual(['2024-01-15T10:00:03.000Z', '2024-01-15T10:00:04.000Z']);
  });
});

describe('schedule: downtime', () => {
  /** Runs a schedule from 10:00:30, stops at 10:01:30, starts again at 10:04:30. */
  async function downtime(recovery: string): Promise<{ r: TriggerRig; clock: ManualClock }> {
    const clock = new ManualClock('2024-01-15T10:00:30Z');
    const before = triggerRig({ clock });
    const cron = scheduled('* * * * *', `    timezone: UTC\n    recoverMissedSchedules: ${recovery}\n`);
    await before.deploy(cron);
    await clock.advanceTo('2024-01-15T10:01:30Z');
    await startedCount(before, 1);
    await before.close(true);
    await clock.advanceTo('2024-01-15T10:04:30Z');
    const after = rig(clock, before.dir);
    await after.deploy(cron);
    return { r: after, clock };
  }

  it('ALL starts one execution per missed date, oldest first', async () => {
    const { r } = await downtime('ALL');
    await startedCount(r, 3);
    await r.fx.engine.idle();
    expect(dates(r)).toEqual([
      '2024-01-15T10:02:00.000Z',
      '2024-01-15T10:03:00.000Z',
      '2024-01-15T10:04:00.000Z',
    ]);
  });

  it('LAST starts only the latest missed date', async () => {
    const { r } = await downtime('LAST');
    await startedCount(r, 1);
    await r.fx.engine.idle();
    expect(dates(r)).toEqual(['2024-01-15T10:04:00.000Z']);
  });

  it('NONE starts nothing for the missed dates, then keeps the schedule', async () => {
    const { r, clock } = await downtime('NONE');
    await r.fx.engine.idle();
    expect(r.started).toHaveLength(0);
    await clock.advanceTo('2024-01-15T10:05:00Z');
    await startedCount(r, 1);
    expect(dates(r)).toEqual(['2024-01-15T10:05:00.000Z']);
  });

  it('waits for each recovered execution before the next, without overlap', async () => {
    const clock = new ManualClock('2024-01-15T10:00:30Z');
    const first = triggerRig({ clock });
    const flow = scheduled('* * * * *', '    timezone: UTC\n', '  - id: wait\n    type: pause\n');
    await first.deploy(flow);
    await first.close(true);
    await clock.advanceTo('2024-01-15T10:02:30Z');
    const r = rig(clock, first.dir);
    await r.deploy(flow);
    const [a] = await startedCount(r, 1);
    expect(r.fx.engine.activeCount).toBe(1);
    r.fx.engine.resume(a!.id);
    const [, b] = await startedCount(r, 2);
    r.fx.engine.resume(b!.id);
    await r.fx.engine.idle();
    expect(dates(r)).toEqual(['2024-01-15T10:01:00.000Z', '2024-01-15T10:02:00.000Z']);
  });

  it('recovers nothing the first time a schedule starts', async () => {
    const clock = new ManualClock('2024-01-15T10:00:30Z');
    const r = rig(clock);
    await r.deploy(scheduled('* * * * *', '    timezone: UTC\n'));
    await clock.advanceTo('2024-01-15T10:00:59Z');
    expect(r.started).toHaveLength(0);
  });
});
