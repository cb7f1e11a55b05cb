/** An agent with a hub runs the triggers of its assigned flows, on its local broker, and follows new desired states. */
import mqtt from 'mqtt';
import { afterEach, describe, expect, it } from 'vitest';
import { Cleanup, eventually, rig } from './harness.js';
import { desired } from './hub-stand-in.js';

const cleanup = new Cleanup();
afterEach(() => cleanup.run());

const onReading = (topic: string) => `id: on-reading
namespace: test
triggers:
  - id: reading
    type: mqtt
    topic: ${topic}
tasks:
  - id: hello
    type: log
    message: "{{ trigger.payload.celsius }}"
`;

describe('agent triggers', () => {
  it('run for assigned flows, change with the desired state, and stop when unassigned', async () => {
    const r = await rig(cleanup, { localBroker: { port: 0 } });
    const broker = r.agent.localBroker!;
    const sensor = await mqtt.connectAsync(broker.url, { reconnectPeriod: 0 });
    cleanup.add(() => sensor.endAsync());
    const started: string[] = [];
    r.agent.engine.on({ execution: (e) => e.state === 'CREATED' && started.push(String(e.trigger?.topic)) });

    await r.hub.desire(desired(1, [{ id: 'on-reading', source: onReading('room/a') }]));
    await eventually(() => expect(r.agent.triggers.list().map((t) => t.revision)).toEqual([1]));
    await eventually(async () => {
      await sensor.publishAsync('room/a', '{"celsius": 4}', { qos: 1 });
      expect(started).toContain('room/a');
    });

    await r.hub.desire(desired(2, [{ id: 'on-reading', revision: 2, source: onReading('room/b') }]));
    await eventually(() => expect(r.agent.triggers.list().map((t) => t.revision)).toEqual([2]));
    await eventually(async () => {
      await sensor.publishAsync('room/b', '{"celsius": 5}', { qos: 1 });
      expect(started).toContain('room/b');
    });

    await r.hub.desire(desired(3, []));
    await eventually(() => expect(r.agent.triggers.list()).toEqual([]));
    const count = started.length;
    await sensor.publishAsync('room/b', '{"celsius": 6}', { qos: 1 });
    await r.agent.engine.idle();
    expect(started).toHaveLength(count);
  });

  it('report what each trigger has done in their status, soon after it fires', async () => {
    const r = await rig(cleanup, { localBroker: { port: 0 } });
    const sensor = await mqtt.connectAsync(r.agent.localBroker!.url, { reconnectPeriod: 0 });
    cleanup.add(() => sensor.endAsync());
    const started: string[] = [];
    r.agent.engine.on({ execution: (e) => e.state === 'CREATED' && started.push(e.id) });

    await r.hub.desire(desired(1, [{ id: 'on-reading', source: onReading('room/c') }]));
    await eventually(() => expect(r.agent.triggers.list()).toHaveLength(1));
    await eventually(async () => {
      await sensor.publishAsync('room/c', '{"celsius": 4}', { qos: 1 });
      expect(started.length).toBeGreaterThan(0);
    });
    // Sent because the trigger fired, well before the periodic status (statusIntervalMs).
    const reported = await eventually(() => {
      const last = r.hub.status.at(-1)?.value.triggers?.[0];
      expect(last?.fired).toBe(started.length);
      return last!;
    });
    expect(reported).toMatchObject({
      namespace: 'test',
      flowId: 'on-reading',
      triggerId: 'reading',
      type: 'mqtt',
      revision: 1,
      dropped: 0,
      lastExecutionId: started.at(-1),
    });
    expect(Date.parse(reported.lastFiredAt!)).toBeGreaterThan(Date.now() - 60_000);
  });
});
