/** The flows a hub assigns: applied, refused with a reason, persisted, and still there after a restart without the hub. */
import { afterEach, describe, expect, it } from 'vitest';
import { appliedStateHash } from '../../protocol/messages.js';
import { arrival, Cleanup, command, eventually, rig, startTestAgent } from './harness.js';
import { desired, flowSource } from './hub-stand-in.js';

const cleanup = new Cleanup();
afterEach(() => cleanup.run());

const UNKNOWN_TYPE = `id: odd
namespace: test
tasks:
  - id: x
    type: nosuch.plugin
`;

const reportedCount = (r: Awaited<ReturnType<typeof rig>>) => r.hub.reported.length;

describe('desired flows', () => {
  it('are applied and reported with their revisions, hashes and the state hash', async () => {
    const r = await rig(cleanup);
    const d = desired(4, [{ id: 'hello', revision: 2 }, { id: 'other' }]);
    await r.hub.desire(d);
    const reported = await arrival(() => r.hub.reported.at(-1));
    const applied = d.flows.map(({ namespace, id, revision, hash }) => ({ namespace, id, revision, hash }));
    expect(reported).toEqual({ generation: 4, hash: appliedStateHash(applied), applied, refused: [] });
  });

  it('become the flows the engine runs', async () => {
    const r = await rig(cleanup);
    await r.hub.desire(desired(1, [{ id: 'hello', revision: 3 }]));
    await eventually(() => expect(r.hub.reported.length).toBe(1));
    const record = r.agent.flows()[0]!;
    expect([record.flow.id, record.revision, (await r.agent.engine.run(record)).state]).toEqual([
      'hello',
      3,
      'SUCCESS',
    ]);
  });

  it('refuse a flow with an unknown plugin type, giving the loader’s reason', async () => {
    const r = await rig(cleanup);
    await r.hub.desire(desired(1, [{ id: 'hello' }, { id: 'odd', source: UNKNOWN_TYPE }]));
    const reported = await arrival(() => r.hub.reported.at(-1));
    expect([reported.applied.map((f) => f.id), reported.refused]).toEqual([
      ['hello'],
      [
        {
          namespace: 'test',
          id: 'odd',
          revision: 1,
          reason: "5:11: tasks[0].type: unknown type 'nosuch.plugin'",
        },
      ],
    ]);
  });

  it('refuse a flow that is not valid YAML', async () => {
    const r = await rig(cleanup);
    await r.hub.desire(desired(1, [{ id: 'broken', source: 'id: broken\nnamespace: test\ntasks: [\n' }]));
    const reported = await arrival(() => r.hub.reported.at(-1));
    expect(reported.refused[0]?.reason).toMatch(/^4:1: /);
  });

  it('refuse a flow whose source declares another flow', async () => {
    const r = await rig(cleanup);
    await r.hub.desire(desired(1, [{ id: 'hello', source: flowSource('elsewhere') }]));
    const reported = await arrival(() => r.hub.reported.at(-1));
    expect(reported.refused[0]?.reason).toBe('the source declares flow test.elsewhere, not test.hello');
  });

  it('keep the applied revision of a flow whose new revision is refused', async () => {
    const r = await rig(cleanup);
    await r.hub.desire(desired(1, [{ id: 'hello', revision: 1 }]));
    await eventually(() => expect(reportedCount(r)).toBe(1));
    await r.hub.desire(
      desired(2, [{ id: 'hello', revision: 2, source: UNKNOWN_TYPE.replace('odd', 'hello') }]),
    );
    const reported = await arrival(() => r.hub.reported[1]);
    expect([reported.applied.map((f) => f.revision), reported.refused.map((f) => f.revision)]).toEqual([
      [1],
      [2],
    ]);
  });

  it('drop flows that are no longer listed', async () => {
    const r = await rig(cleanup);
    await r.hub.desire(desired(1, [{ id: 'hello' }, { id: 'other' }]));
    await eventually(() => expect(reportedCount(r)).toBe(1));
    await r.hub.desire(desired(2, [{ id: 'other' }]));
    await eventually(() => expect(reportedCount(r)).toBe(2));
    expect(r.agent.flows().map((f) => f.flow.id)).toEqual(['other']);
  });

  it('survive a restart with no broker to reach, and run there', async () => {
    const r = await rig(cleanup);
    await r.hub.desire(desired(1, [{ id: 'hello', revision: 5 }]));
    await eventually(() => expect(reportedCount(r)).toBe(1));
    await r.agent.close();
    await r.broker.close();
    const again = await startTestAgent(cleanup, { hubUrl: r.url, dataDir: r.dataDir });
    const record = again.flows()[0]!;
    expect([
      again.appliedFlows().map((f) => [f.id, f.revision]),
      (await again.engine.run(record)).state,
    ]).toEqual([[['hello', 5]], 'SUCCESS']);
    expect(again.connectionState()).not.toBe('ACTIVE');
  });

  it('load the plugin modules of the types they use and no others, again after a restart', async () => {
    const r = await rig(cleanup);
    await r.hub.desire(desired(1, [{ id: 'hello' }]));
    await eventually(() => expect(reportedCount(r)).toBe(1));
    const loaded = (agent: typeof r.agent) => [
      agent.registry.tasks().map((d) => d.type),
      agent.registry.triggers().map((d) => d.type),
    ];
    expect(loaded(r.agent)).toEqual([['log', 'output'], []]);
    await r.agent.close();
    const again = await startTestAgent(cleanup, { hubUrl: r.url, dataDir: r.dataDir });
    expect(loaded(again)).toEqual([['log', 'output'], []]);
  });

  it('run a templated task whose spec names a type no flow uses, loading its module then', async () => {
    const r = await rig(cleanup);
    const source = `id: templated
namespace: test
tasks:
  - id: t
    type: templatedTask
    spec: |
      type: io.kestra.plugin.core.output.OutputValues
      values:
        answer: "{{ 6 * 7 }}"
`;
    await r.hub.desire(desired(1, [{ id: 'templated', source }]));
    await eventually(() => expect(reportedCount(r)).toBe(1));
    expect(r.agent.registry.task('output')).toBeUndefined();
    expect((await r.agent.engine.run(r.agent.flows()[0]!)).state).toBe('SUCCESS');
    expect(r.agent.registry.task('output')?.type).toBe('output');
  });

  it('are announced after a restart in hello by generation and state hash', async () => {
    const r = await rig(cleanup);
    await r.hub.desire(desired(7, [{ id: 'hello' }]));
    const reported = await arrival(() => r.hub.reported.at(-1));
    await r.agent.close();
    await startTestAgent(cleanup, { hubUrl: r.url, dataDir: r.dataDir });
    const hello = await arrival(() => r.hub.hello[1]);
    expect([hello.generation, hello.appliedHash]).toEqual([7, reported.hash]);
  });
});

describe('decommissioning', () => {
  it('clears the flows and reports it', async () => {
    const r = await rig(cleanup);
    await r.hub.desire(desired(1, [{ id: 'hello' }]));
    await eventually(() => expect(reportedCount(r)).toBe(1));
    await r.hub.desire(desired(2, [], { decommissioned: true }));
    const reported = await arrival(() => r.hub.reported[1]);
    expect([reported.decommissioned, reported.applied, r.agent.flows()]).toEqual([true, [], []]);
  });

  it('refuses commands other than ping', async () => {
    const r = await rig(cleanup);
    await r.hub.desire(desired(1, [], { decommissioned: true }));
    await eventually(() => expect(reportedCount(r)).toBe(1));
    const run = await command(r.hub, { type: 'run', namespace: 'test', flowId: 'hello' });
    const ping = await command(r.hub, { type: 'ping' });
    expect([run.ok, run.error, ping.ok]).toEqual([false, 'agent gw-01 is decommissioned', true]);
  });
});
