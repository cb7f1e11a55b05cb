/**
 * The trigger runtime: which triggers run as flows come, change and go, and
 * what every trigger's event goes through (conditions, inputs, labels,
 * refusal), shown with `schedule` on a hand-moved clock.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { SqliteTriggerStateStore } from '../../agent/store/trigger-state.js';
import type { TriggerQueueOptions } from '../../runtime/triggers/queue.js';
import { ManualClock } from '../support/clock.js';
import { eventually, startedCount, type TriggerRig, triggerRig } from './harness.js';

const rigs: TriggerRig[] = [];
afterEach(async () => {
  for (const rig of rigs.splice(0)) await rig.close();
});

function rig(
  clock: ManualClock,
  refusal?: () => string | undefined,
  queue?: Partial<TriggerQueueOptions>,
): TriggerRig {
  const r = triggerRig({ clock, refusal, queue });
  rigs.push(r);
  return r;
}

interface FlowParts {
  id?: string;
  cron?: string;
  trigger?: string;
  flow?: string;
  inputs?: string;
}

const flow = (p: FlowParts = {}) => `id: ${p.id ?? 'every-minute'}
namespace: test.runtime
${p.flow ?? ''}${p.inputs ?? ''}triggers:
  - id: tick
    type: schedule
    cron: "${p.cron ?? '* * * * *'}"
    timezone: UTC
${p.trigger ?? ''}tasks:
  - id: hello
    type: log
    message: hi
`;

const at = (iso: string) => new ManualClock(iso);

describe('trigger runtime: flows coming and going', () => {
  it('starts the triggers of every flow it is given', async () => {
    const clock = at('2024-01-15T10:00:30Z');
    const r = rig(clock);
    await r.deploy(flow({ id: 'a' }), flow({ id: 'b' }));
    expect(r.triggers.list().map((t) => `${t.flowId}/${t.triggerId}`)).toEqual(['a/tick', 'b/tick']);
    await clock.advanceTo('2024-01-15T10:01:00Z');
    const started = await startedCount(r, 2);
    expect(started.map((e) => e.flowId).sort()).toEqual(['a', 'b']);
  });

  it('restarts a flow’s triggers when the flow changes, with the new definition', async () => {
    const clock = at('2024-01-15T10:00:30Z');
    const r = rig(clock);
    await r.deploy(flow({ cron: '*/10 * * * *' }));
    const changed = r.fx.flow(flow({ cron: '*/2 * * * *' }).replace('namespace:', 'revision: 2\nnamespace:'));
    await r.triggers.sync([changed]);
    expect(r.triggers.list()[0]?.revision).toBe(2);
    expect(clock.pending).toBe(1);
    await clock.advanceTo('2024-01-15T10:04:00Z');
    await startedCount(r, 2);
    expect(r.started.map((e) => [e.trigger?.date, e.flowRevision])).toEqual([
      ['2024-01-15T10:02:00.000Z', 2],
      ['2024-01-15T10:04:00.000Z', 2],
    ]);
  });

  it('stops the triggers of a flow that goes away, and forgets their state', async () => {
    const clock = at('2024-01-15T10:00:30Z');
    const r = rig(clock);
    await r.deploy(flow());
    await clock.advanceTo('2024-01-15T10:01:00Z');
    await startedCount(r, 1);
    await r.triggers.sync([]);
    expect(r.triggers.list()).toEqual([]);
    expect(clock.pending).toBe(0);
    const state = new SqliteTriggerStateStore(r.fx.store);
    expect(state.load({ namespace: 'test.runtime', flowId: 'every-minute', triggerId: 'tick' }).size).toBe(0);
    await clock.advanceTo('2024-01-15T10:03:00Z');
    expect(r.started).toHaveLength(1);
  });

  it('runs no trigger of a disabled flow, and no disabled trigger', async () => {
    const clock = at('2024-01-15T10:00:30Z');
    const r = rig(clock);
    await r.deploy(
      flow({ id: 'off', flow: 'disabled: true\n' }),
      flow({ id: 'quiet', trigger: '    disabled: true\n' }),
    );
    expect(r.triggers.list()).toEqual([]);
    await clock.advanceTo('2024-01-15T10:02:00Z');
    expect(r.started).toHaveLength(0);
  });

  it('stops a trigger that becomes disabled and starts it again when enabled', async () => {
    const clock = at('2024-01-15T10:00:30Z');
    const r = rig(clock);
    await r.deploy(flow());
    await r.deploy(flow({ trigger: '    disabled: true\n' }));
    expect(r.triggers.list()).toEqual([]);
    await r.deploy(flow());
    expect(r.triggers.list()).toHaveLength(1);
  });

  it('leaves a flow whose triggers did not change alone', async () => {
    const clock = at('2024-01-15T10:00:30Z');
    const r = rig(clock);
    await r.deploy(flow());
    const before = r.logs.filter((l) => l.message === 'trigger started').length;
    await r.deploy(flow());
    expect(r.logs.filter((l) => l.message === 'trigger started')).toHaveLength(before);
  });
});

describe('trigger runtime: each event', () => {
  it('starts nothing while a condition is false', async () => {
    const clock = at('2024-01-15T10:00:30Z');
    const r = rig(clock);
    const condition = `    conditions:\n      - "{{ trigger.date contains ':02:' }}"\n`;
    await r.deploy(flow({ trigger: condition }));
    await clock.advanceTo('2024-01-15T10:03:00Z');
    await startedCount(r, 1);
    expect(r.started.map((e) => e.trigger?.date)).toEqual(['2024-01-15T10:02:00.000Z']);
  });

  it('accepts Kestra’s expression condition objects', async () => {
    const clock = at('2024-01-15T10:00:30Z');
    const r = rig(clock);
    const condition =
      '    conditions:\n      - type: io.kestra.plugin.core.condition.Expression\n        expression: "{{ trigger.date contains \':01:\' }}"\n';
    await r.deploy(flow({ trigger: condition }));
    await clock.advanceTo('2024-01-15T10:02:00Z');
    await startedCount(r, 1);
    expect(r.started).toHaveLength(1);
  });

  it('renders the trigger’s inputs and labels from its variables', async () => {
    const clock = at('2024-01-15T10:00:30Z');
    const r = rig(clock);
    await r.deploy(
      flow({
        inputs: 'inputs:\n  - id: when\n    type: STRING\n',
        trigger:
          '    inputs:\n      when: "{{ trigger.date }}"\n    labels:\n      source: "schedule {{ flow.id }}"\n',
      }),
    );
    await clock.advanceTo('2024-01-15T10:01:00Z');
    const [e] = await startedCount(r, 1);
    expect(e?.inputs).toEqual({ when: '2024-01-15T10:01:00.000Z' });
    expect(e?.labels).toEqual({ source: 'schedule every-minute', 'system.correlationId': e?.id });
  });

  it('logs a condition that fails to evaluate and starts nothing', async () => {
    const clock = at('2024-01-15T10:00:30Z');
    const r = rig(clock);
    await r.deploy(flow({ trigger: '    conditions:\n      - "{{ trigger.missing > 1 }}"\n' }));
    await clock.advanceTo('2024-01-15T10:01:00Z');
    expect(r.started).toHaveLength(0);
    expect(r.logs.some((l) => l.level === 'warn' && String(l.fields.err).includes('trigger.missing'))).toBe(
      true,
    );
  });

  it('starts nothing while the runtime refuses new executions, and says so once', async () => {
    const clock = at('2024-01-15T10:00:30Z');
    let refusal: string | undefined = 'the outbox is full';
    const r = rig(clock, () => refusal);
    await r.deploy(flow());
    await clock.advanceTo('2024-01-15T10:03:00Z');
    expect(r.started).toHaveLength(0);
    expect(r.logs.filter((l) => l.message.startsWith('trigger event dropped'))).toHaveLength(1);
    refusal = undefined;
    await clock.advanceTo('2024-01-15T10:04:00Z');
    await startedCount(r, 1);
  });
});

/** A schedule every minute, each execution held in a pause until killed (or an hour passes). */
const held = flow({
  trigger: '    allowConcurrent: true\n',
}).replace(/tasks:[\s\S]*$/, 'tasks:\n  - id: hold\n    type: pause\n    delay: PT1H\n');

const killAll = async (r: TriggerRig) => {
  for (const e of r.started) r.fx.engine.kill(e.id);
  await r.fx.engine.idle();
};

describe('trigger runtime: status', () => {
  it('shows each trigger’s next date, its last execution and its counts', async () => {
    const clock = at('2024-01-15T10:00:30Z');
    const r = rig(clock);
    await r.deploy(flow());
    expect(r.triggers.status()).toEqual([
      {
        namespace: 'test.runtime',
        flowId: 'every-minute',
        triggerId: 'tick',
        type: 'schedule',
        revision: 1,
        next: '2024-01-15T10:01:00.000Z',
        fired: 0,
        dropped: 0,
      },
    ]);
    await clock.advanceTo('2024-01-15T10:01:10Z');
    const [e] = await startedCount(r, 1);
    await eventually(() => expect(r.triggers.status()[0]?.next).toBe('2024-01-15T10:02:00.000Z'));
    expect(r.triggers.status()[0]).toMatchObject({
      fired: 1,
      dropped: 0,
      lastFiredAt: '2024-01-15T10:01:00.000Z',
      lastExecutionId: e?.id,
    });
    expect(r.triggers.status()[0]?.lastError).toBeUndefined();
  });

  it('keeps the last error a trigger met, with its time', async () => {
    const clock = at('2024-01-15T10:00:30Z');
    const r = rig(clock);
    await r.deploy(flow({ trigger: '    conditions:\n      - "{{ trigger.missing > 1 }}"\n' }));
    await clock.advanceTo('2024-01-15T10:01:00Z');
    await eventually(() => expect(r.triggers.status()[0]?.lastError).toBeDefined());
    const { lastError, fired } = r.triggers.status()[0]!;
    expect(lastError?.at).toBe('2024-01-15T10:01:00.000Z');
    expect(lastError?.message).toMatch(/trigger\.missing/);
    expect(fired).toBe(0);
  });

  it('reports a disabled trigger, and every trigger of a disabled flow, as disabled at its revision', async () => {
    const r = rig(at('2024-01-15T10:00:30Z'));
    await r.deploy(
      flow({ id: 'off', flow: 'disabled: true\n' }),
      flow({ id: 'quiet', trigger: '    disabled: true\n' }),
    );
    const disabled = { namespace: 'test.runtime', triggerId: 'tick', type: 'schedule', revision: 1 };
    expect(r.triggers.status()).toEqual([
      { ...disabled, flowId: 'off', disabled: true, fired: 0, dropped: 0 },
      { ...disabled, flowId: 'quiet', disabled: true, fired: 0, dropped: 0 },
    ]);
    expect(r.triggers.list()).toEqual([]);
  });

  it('tells its listeners when a change disables a trigger, reported at the new revision', async () => {
    const r = rig(at('2024-01-15T10:00:30Z'));
    await r.deploy(flow());
    let changes = 0;
    r.triggers.onChange(() => changes++);
    const [quiet] = await r.deploy(flow({ trigger: '    disabled: true\n' }));
    await r.triggers.update('test.runtime', 'every-minute', { ...quiet!, revision: 2 });
    expect(changes).toBeGreaterThan(0);
    expect(r.triggers.status()).toEqual([
      expect.objectContaining({ flowId: 'every-minute', triggerId: 'tick', revision: 2, disabled: true }),
    ]);
  });

  it('tells its listeners when a trigger fires', async () => {
    const clock = at('2024-01-15T10:00:30Z');
    const r = rig(clock);
    let changes = 0;
    r.triggers.onChange(() => changes++);
    await r.deploy(flow());
    const before = changes;
    await clock.advanceTo('2024-01-15T10:01:00Z');
    await startedCount(r, 1);
    await eventually(() => expect(changes).toBeGreaterThan(before));
  });
});

describe('trigger runtime: the bounded queue between triggers and executions', () => {
  it('drops events that find the queue full under whenFull: drop, counts them and says so once', async () => {
    const clock = at('2024-01-15T10:00:30Z');
    const r = rig(clock, undefined, { capacity: 1, whenFull: 'drop' });
    await r.deploy(held);
    await clock.advanceTo('2024-01-15T10:03:00Z');
    await eventually(() => expect(r.triggers.status()[0]?.dropped).toBe(2));
    expect(r.started).toHaveLength(1);
    expect(r.triggers.queue.dropped).toBe(2);
    expect(r.triggers.status()[0]?.lastError?.message).toMatch(/trigger queue is full/);
    expect(r.logs.filter((l) => l.message.startsWith('trigger queue full'))).toHaveLength(1);
    await killAll(r);
  });

  it('holds events back under whenFull: wait and starts them as executions end, never more at once', async () => {
    const clock = at('2024-01-15T10:00:30Z');
    const r = rig(clock, undefined, { capacity: 1, whenFull: 'wait' });
    await r.deploy(held);
    await clock.advanceTo('2024-01-15T10:03:00Z');
    const [first] = await startedCount(r, 1);
    await eventually(() => expect(r.triggers.queue.waitingCount).toBe(1));
    expect(r.started).toHaveLength(1);
    r.fx.engine.kill(first!.id);
    const [, second] = await startedCount(r, 2);
    expect(r.triggers.queue.size).toBe(1);
    expect(r.triggers.status()[0]?.dropped).toBe(0);
    r.fx.engine.kill(second!.id);
    await startedCount(r, 3);
    expect(r.triggers.queue.size).toBe(1);
    await killAll(r);
  });
});
