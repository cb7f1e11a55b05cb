/**
 * Rollouts end to end: a real hub (PGlite, and PostgreSQL when given) with its embedded broker, and
 * real agents in this process, a flow revision reaching them stage by stage through desired state.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { type Agent, startAgent } from '../../agent/agent.js';
import type { Hub } from '../../hub/hub.js';
import { type ApiResponse, apiCaller, type CallOptions, startTestHub } from '../support/hub-api.js';
import { freeTcpPort } from '../support/ports.js';
import { type FreshDatabase, freshDatabase } from '../support/postgres.js';

const ADMIN = 'tern_rollout_test_admin_token_0123456789';
const PG_URL = process.env.TERN_TEST_PG_URL;

const backends: { name: string; pg: boolean }[] = [
  { name: 'PGlite', pg: false },
  ...(PG_URL ? [{ name: 'PostgreSQL', pg: true }] : []),
];

const eventually = <T>(check: () => T | Promise<T>, timeout = 30_000) =>
  vi.waitFor(check, { timeout, interval: 25 });

const OK_TASKS = `  - id: say
    type: log
    message: "revision {{ flow.revision }} on {{ agent.id }}"
`;
const FAILING_TASKS = `  - id: broken
    type: fail
    errorMessage: this revision is broken
`;

describe.each(backends)('rollouts ($name)', ({ pg }) => {
  const root = mkdtempSync(join(tmpdir(), 'tern-rollouts-'));
  let hub: Hub;
  let db: FreshDatabase | undefined;
  let call: (method: string, path: string, options?: CallOptions) => Promise<ApiResponse>;
  const running = new Map<string, Agent>();
  const tokens = new Map<string, string>();

  /** Starts the hub on the same MQTT port each time, so that agents find it again after a restart. */
  let mqttPort: number;
  async function startHubAgain(): Promise<void> {
    hub = await startTestHub(join(root, 'hub'), ADMIN, { mqttPort, ...(db && { dbUrl: db.url }) });
    call = apiCaller(hub.url, ADMIN);
  }

  beforeAll(async () => {
    db = pg && PG_URL ? await freshDatabase(PG_URL, 'tern_rollouts') : undefined;
    mqttPort = await freeTcpPort();
    await startHubAgain();
  }, 60_000);

  afterEach(async () => {
    for (const agent of running.values()) await agent.close();
    running.clear();
  });

  afterAll(async () => {
    await hub?.close();
    await db?.drop();
    rmSync(root, { recursive: true, force: true });
  });

  /** Starts (or starts again, with its data) a registered agent. */
  async function start(id: string, extra: Partial<Parameters<typeof startAgent>[0]> = {}): Promise<Agent> {
    const agent = await startAgent({
      ...extra,
      id,
      token: tokens.get(id) ?? '',
      hubUrl: `mqtt://127.0.0.1:${hub.mqttPort}`,
      dataDir: join(root, id),
      closeGraceMs: 5000,
      sync: { reconnectMinMs: 20, reconnectMaxMs: 200, lingerMs: 1 },
    });
    running.set(id, agent);
    return agent;
  }

  async function stop(id: string): Promise<void> {
    await running.get(id)?.close();
    running.delete(id);
    await eventually(async () => expect((await call('GET', `/agents/${id}`)).body.online).toBe(false));
  }

  /** Registers `count` agents labelled `fleet: <fleet>` (and `labels`) and starts them. */
  async function fleet(
    name: string,
    count: number,
    extra: (id: string) => Partial<Parameters<typeof startAgent>[0]> = () => ({}),
    labels: Record<string, string> = {},
  ): Promise<string[]> {
    const ids = Array.from({ length: count }, (_, i) => `${name}-${i + 1}`);
    for (const id of ids) {
      const res = await call('POST', '/agents', { json: { id, labels: { fleet: name, ...labels } } });
      expect(res.status).toBe(201);
      tokens.set(id, res.body.token);
      await start(id, extra(id));
    }
    return ids;
  }

  const flowYaml = (fleetName: string, tasks: string, rollout = '') =>
    `id: job\nnamespace: ${fleetName}\nrunsOn: {labels: {fleet: ${fleetName}}}\n${rollout}tasks:\n${tasks}`;

  async function saveFlow(fleetName: string, tasks: string, rollout = ''): Promise<void> {
    const res = await call('PUT', `/flows/${fleetName}/job`, { yaml: flowYaml(fleetName, tasks, rollout) });
    expect(res.status, res.text).toBeLessThan(300);
  }

  /** The revision of flow `flowId` agent `id` has applied (undefined: none). */
  const appliedOf = (flowId: string) => (id: string) =>
    running
      .get(id)
      ?.appliedFlows()
      .find((f) => f.id === flowId)?.revision;
  /** The revision of `<fleet>/job` the agent has applied (undefined: none). */
  const applied = appliedOf('job');

  /** The rollout the flow's save started (the save answers first: the rollout begins right after). */
  async function rolloutOf(fleetName: string) {
    let rollout: { id: string } | undefined;
    await eventually(async () => {
      const list = await call('GET', `/rollouts?namespace=${fleetName}&flowId=job`);
      expect(list.status).toBe(200);
      rollout = list.body.items[0];
      expect(rollout).toBeDefined();
    });
    // biome-ignore lint/suspicious/noExplicitAny: tests read the rollout freely; the assertions check it.
    return rollout as any;
  }

  async function whenStatus(id: string, status: string) {
    let body: { status: string } | undefined;
    await eventually(async () => {
      body = (await call('GET', `/rollouts/${id}`)).body;
      expect(body?.status).toBe(status);
    });
    // biome-ignore lint/suspicious/noExplicitAny: tests read the rollout freely; the assertions check it.
    return body as any;
  }

  it('completes a rollout in a canary and three waves, agents not reached keeping the previous revision', async () => {
    const ids = await fleet('wave', 7);
    await saveFlow('wave', OK_TASKS);
    await eventually(() => expect(ids.map(applied)).toEqual(ids.map(() => 1)));

    await saveFlow(
      'wave',
      `${OK_TASKS}  - id: again\n    type: log\n    message: second\n`,
      'rollout:\n  canary: {count: 1}\n  waves: {size: 2}\n  pause: APPROVAL\n  gates: {failureRate: {max: 0, window: PT0.2S}}\n',
    );
    const started = await rolloutOf('wave');
    expect(started.revision).toBe(2);
    expect(started.stages.map((s: { name: string; agents: string[] }) => [s.name, s.agents.length])).toEqual([
      ['canary', 1],
      ['wave 1', 2],
      ['wave 2', 2],
      ['wave 3', 2],
    ]);

    let reached: string[] = [];
    for (const [index, stage] of started.stages.entries()) {
      reached = [...reached, ...stage.agents];
      const last = index === started.stages.length - 1;
      const rollout = await whenStatus(started.id, last ? 'SUCCEEDED' : 'WAITING');
      expect(rollout.stages[index].state).toBe('PASSED');
      await eventually(() =>
        expect(ids.map(applied)).toEqual(ids.map((id) => (reached.includes(id) ? 2 : 1))),
      );
      if (!last) expect((await call('POST', `/rollouts/${started.id}/approve`)).status).toBe(200);
    }
    const done = await whenStatus(started.id, 'SUCCEEDED');
    expect(Object.values(done.agents).map((a) => (a as { state: string }).state)).toEqual(
      ids.map(() => 'applied'),
    );
    const metrics = await call('GET', '/metrics');
    expect(metrics.text).toContain(
      `tern_rollout_status{rollout="${started.id}",namespace="wave",flow="job",status="SUCCEEDED"} 1`,
    );
  }, 120_000);

  it('stops a revision that fails on the canary and rolls the canary back, the other agents never getting it', async () => {
    const ids = await fleet('canary', 3);
    await saveFlow('canary', OK_TASKS);
    await eventually(() => expect(ids.map(applied)).toEqual([1, 1, 1]));

    await saveFlow(
      'canary',
      FAILING_TASKS,
      'rollout:\n  canary: {count: 1}\n  onFailure: ROLLBACK\n  gates: {failureRate: {max: 0.5, window: PT1M}}\n',
    );
    const started = await rolloutOf('canary');
    const canary = started.stages[0].agents[0] as string;
    await eventually(() => expect(applied(canary)).toBe(2));
    await eventually(async () =>
      expect((await call('GET', `/rollouts/${started.id}`)).body.stages[0].state).toBe('OBSERVING'),
    );
    const run = await call('POST', `/executions/canary/job?agent=${canary}`);
    expect(run.status, run.text).toBe(202);

    const rolled = await whenStatus(started.id, 'ROLLED_BACK');
    expect(rolled.reason).toMatch(/^canary: failure rate 1\.00 over 0\.5/);
    expect(rolled.failedAgents).toEqual([canary]);
    expect(rolled.agents[canary].state).toBe('rolled_back');
    await eventually(() => expect(ids.map(applied)).toEqual([1, 1, 1]));
    for (const id of ids.filter((a) => a !== canary)) {
      const agent = (await call('GET', `/agents/${id}`)).body;
      expect(agent.status.assignedFlows).toEqual(['canary/job']);
      expect(agent.status.desired.flows[0].revision).toBe(1);
      expect(rolled.agents[id].state).toBe('pending');
    }
  }, 120_000);

  it('brings an agent offline during the rollout to the revision reached when it returns, and to the previous one after a rollback', async () => {
    const ids = await fleet('away', 4);
    await saveFlow('away', OK_TASKS);
    await eventually(() => expect(ids.map(applied)).toEqual([1, 1, 1, 1]));
    const away = ids[3] as string;
    await stop(away);

    await saveFlow(
      'away',
      `${OK_TASKS}  - id: again\n    type: log\n    message: second\n`,
      'rollout:\n  canary: {count: 1}\n  waves: {percent: 50}\n  gates: {online: false, failureRate: {max: 0, window: PT0.1S}}\n',
    );
    const started = await rolloutOf('away');
    const done = await whenStatus(started.id, 'SUCCEEDED');
    expect(done.agents[away].state).toBe('updating');
    await eventually(() => expect(ids.slice(0, 3).map(applied)).toEqual([2, 2, 2]));

    await start(away);
    await eventually(() => expect(applied(away)).toBe(2));

    await stop(away);
    const back = await call('POST', `/rollouts/${started.id}/rollback`);
    expect(back.status, back.text).toBe(200);
    expect(back.body.status).toBe('ROLLED_BACK');
    await eventually(() => expect(ids.slice(0, 3).map(applied)).toEqual([1, 1, 1]));
    await start(away);
    await eventually(() => expect(applied(away)).toBe(1));
    expect((await call('POST', `/rollouts/${started.id}/rollback`)).status).toBe(409);
  }, 120_000);

  it('goes on from where it was after the hub restarts', async () => {
    const ids = await fleet('restart', 3);
    await saveFlow('restart', OK_TASKS);
    await eventually(() => expect(ids.map(applied)).toEqual([1, 1, 1]));
    await saveFlow(
      'restart',
      `${OK_TASKS}  - id: again\n    type: log\n    message: second\n`,
      'rollout:\n  canary: {count: 1}\n  waves: {size: 2}\n  pause: APPROVAL\n  gates: {failureRate: {max: 0, window: PT0.1S}}\n',
    );
    const started = await rolloutOf('restart');
    await whenStatus(started.id, 'WAITING');
    await eventually(() => expect(ids.map(applied)).toEqual([2, 1, 1]));

    await hub.close();
    await startHubAgain();
    await eventually(async () => {
      const agents = await Promise.all(ids.map(async (id) => (await call('GET', `/agents/${id}`)).body));
      expect(agents.map((a) => [a.online, a.status.desired.flows[0].revision])).toEqual([
        [true, 2],
        [true, 1],
        [true, 1],
      ]);
    });
    expect((await call('POST', `/rollouts/${started.id}/approve`)).status).toBe(200);
    await whenStatus(started.id, 'SUCCEEDED');
    await eventually(() => expect(ids.map(applied)).toEqual([2, 2, 2]));
  }, 120_000);

  it('starts no rollout for a revision no agent runs yet, and gives it to the agents that join', async () => {
    await saveFlow('later', OK_TASKS, 'rollout:\n  canary: {count: 1}\n');
    const [id] = await fleet('later', 1);
    await eventually(() => expect(applied(id as string)).toBe(1));
    expect((await call('GET', '/rollouts?namespace=later')).body.items).toEqual([]);
  }, 60_000);

  /** Saves flow `<ns>/<flowId>` on the agents of fleet `ns`; `hold`: its revision waits for a rollout. */
  async function saveOn(
    ns: string,
    flowId: string,
    tasks: string,
    hold = false,
    runsOn = `{labels: {fleet: ${ns}}}`,
  ) {
    const yaml = `id: ${flowId}\nnamespace: ${ns}\nrunsOn: ${runsOn}\ntasks:\n${tasks}`;
    const res = await call('PUT', `/flows/${ns}/${flowId}${hold ? '?hold=true' : ''}`, { yaml });
    expect(res.status, res.text).toBeLessThan(300);
    return res.body.revision as number;
  }
  const SECOND = `${OK_TASKS}  - id: again\n    type: log\n    message: second\n`;

  /** A canary of one, then waves of `size`, each approved; no failed execution tolerated during `window`. */
  const approvedWaves = (size: number, window: string) => ({
    canary: { count: 1 },
    waves: { size },
    pause: 'APPROVAL',
    gates: { failureRate: { max: 0, window } },
  });

  /** A fleet of `count` agents running flows `a` and `b` of namespace `name` at revision 1; `both` reads each agent's revisions. */
  async function setFleet(name: string, count: number) {
    const ids = await fleet(name, count);
    for (const f of ['a', 'b']) await saveOn(name, f, OK_TASKS);
    const both = () => ids.map((id) => [appliedOf('a')(id), appliedOf('b')(id)]);
    await eventually(() => expect(both()).toEqual(ids.map(() => [1, 1])));
    return { ids, both };
  }

  it('rolls a set of flows out in waves, each stage getting every revision of the set together', async () => {
    const { ids, both } = await setFleet('set', 5);

    // Held: each new revision waits in a paused rollout of its own, reaching no agent.
    for (const f of ['a', 'b']) expect(await saveOn('set', f, SECOND, true)).toBe(2);
    await eventually(async () => {
      const held = (await call('GET', '/rollouts?namespace=set')).body.items;
      expect(
        held.map((r: { flowId: string; status: string; reason: string }) => [r.flowId, r.status, r.reason]),
      ).toEqual([
        ['b', 'PAUSED', 'held for a rollout to name it'],
        ['a', 'PAUSED', 'held for a rollout to name it'],
      ]);
    });
    expect(ids.map((id) => appliedOf('a')(id))).toEqual(ids.map(() => 1));

    const res = await call('POST', '/rollouts', {
      json: {
        flows: [
          { namespace: 'set', flowId: 'a' },
          { namespace: 'set', flowId: 'b', revision: 2 },
        ],
        options: approvedWaves(2, 'PT0.2S'),
      },
    });
    expect(res.status, res.text).toBe(201);
    const started = res.body;
    expect(started).toMatchObject({
      kind: 'flows',
      flows: [
        { namespace: 'set', flowId: 'a', revision: 2, baseRevision: 2, previousRevision: 1 },
        { namespace: 'set', flowId: 'b', revision: 2, baseRevision: 2, previousRevision: 1 },
      ],
    });
    expect(started.agents['set-5'].previousRevisions).toEqual({ 'set/a': 1, 'set/b': 1 });
    expect(started.stages.map((s: { agents: string[] }) => s.agents)).toEqual([
      ['set-1'],
      ['set-2', 'set-3'],
      ['set-4', 'set-5'],
    ]);
    const heldNow = (await call('GET', '/rollouts?flowId=a&namespace=set')).body.items[0];
    expect(heldNow).toMatchObject({ status: 'CANCELLED', reason: `superseded by rollout ${started.id}` });

    let reached: string[] = [];
    for (const [index, stage] of started.stages.entries()) {
      reached = [...reached, ...stage.agents];
      const last = index === started.stages.length - 1;
      const rollout = await whenStatus(started.id, last ? 'SUCCEEDED' : 'WAITING');
      expect(rollout.stages[index]).toMatchObject({
        state: 'PASSED',
        gate: { applied: stage.agents.length },
      });
      await eventually(() =>
        expect(both()).toEqual(ids.map((id) => (reached.includes(id) ? [2, 2] : [1, 1]))),
      );
      if (!last) expect((await call('POST', `/rollouts/${started.id}/approve`)).status).toBe(200);
    }
    const listed = (await call('GET', '/rollouts?status=SUCCEEDED')).body.items;
    expect(listed.map((l: { id: string }) => l.id)).toContain(started.id);
  }, 120_000);

  it('rolls a whole set back on the canary when one of its flows fails there; the other agents never get any of it', async () => {
    const { ids, both } = await setFleet('setfail', 3);
    await saveOn('setfail', 'a', SECOND, true);
    await saveOn('setfail', 'b', FAILING_TASKS, true);
    const res = await call('POST', '/rollouts', {
      json: {
        flows: [
          { namespace: 'setfail', flowId: 'a' },
          { namespace: 'setfail', flowId: 'b' },
        ],
        options: {
          canary: { count: 1 },
          onFailure: 'ROLLBACK',
          gates: { failureRate: { max: 0.5, window: 'PT1M' } },
        },
      },
    });
    expect(res.status, res.text).toBe(201);
    const canary = res.body.stages[0].agents[0] as string;
    await eventually(() => expect(both()[0]).toEqual([2, 2]));
    await eventually(async () =>
      expect((await call('GET', `/rollouts/${res.body.id}`)).body.stages[0].state).toBe('OBSERVING'),
    );
    const run = await call('POST', `/executions/setfail/b?agent=${canary}`);
    expect(run.status, run.text).toBe(202);

    const rolled = await whenStatus(res.body.id, 'ROLLED_BACK');
    expect(rolled.reason).toMatch(/^canary: failure rate 1\.00 over 0\.5/);
    expect(rolled.agents[canary]).toMatchObject({
      state: 'rolled_back',
      previousRevisions: { 'setfail/a': 1, 'setfail/b': 1 },
    });
    await eventually(() =>
      expect(both()).toEqual([
        [1, 1],
        [1, 1],
        [1, 1],
      ]),
    );
    for (const id of ids.slice(1)) {
      const agent = (await call('GET', `/agents/${id}`)).body;
      expect(agent.status.desired.flows.map((f: { revision: number }) => f.revision)).toEqual([1, 1]);
      expect(rolled.agents[id].state).toBe('pending');
    }
  }, 120_000);

  it('refuses a set naming an unknown flow or one flow twice, and a label change that changes nothing', async () => {
    await fleet('bad', 1);
    await saveOn('bad', 'a', OK_TASKS);
    const create = (json: object) => call('POST', '/rollouts', { json });
    const unknown = await create({
      flows: [
        { namespace: 'bad', flowId: 'a' },
        { namespace: 'bad', flowId: 'zz' },
      ],
    });
    expect([unknown.status, unknown.body.error.message]).toEqual([404, 'flows[1] (bad/zz): no flow bad/zz']);
    const twice = await create({
      flows: [
        { namespace: 'bad', flowId: 'a' },
        { namespace: 'bad', flowId: 'a' },
      ],
    });
    expect([twice.status, twice.body.error.message]).toEqual([
      400,
      'flows[1] (bad/a): the flow is named twice',
    ]);
    const empty = await create({ flows: [] });
    expect(empty.status).toBe(400);
    const nothing = await create({ labels: { set: {}, remove: [] }, agents: { fleet: 'bad' } });
    expect([nothing.status, nothing.body.error.message]).toEqual([
      400,
      'labels: set or remove at least one label',
    ]);
    const nobody = await create({ labels: { set: { x: 'y' } }, agents: { fleet: 'nobody' } });
    expect([nobody.status, nobody.body.error.message]).toEqual([409, 'no agent has those labels']);
  }, 60_000);

  it('goes on with a set rollout from where it was after the hub restarts', async () => {
    const { ids, both } = await setFleet('setr', 3);
    for (const f of ['a', 'b']) await saveOn('setr', f, SECOND, true);
    const res = await call('POST', '/rollouts', {
      json: {
        flows: ['a', 'b'].map((flowId) => ({ namespace: 'setr', flowId })),
        options: {
          canary: { count: 1 },
          pause: 'APPROVAL',
          gates: { failureRate: { max: 0, window: 'PT0.1S' } },
        },
      },
    });
    expect(res.status, res.text).toBe(201);
    await whenStatus(res.body.id, 'WAITING');
    await eventually(() =>
      expect(both()).toEqual([
        [2, 2],
        [1, 1],
        [1, 1],
      ]),
    );

    await hub.close();
    await startHubAgain();
    await eventually(async () => {
      const agents = await Promise.all(ids.map(async (id) => (await call('GET', `/agents/${id}`)).body));
      expect(
        agents.map((a) => [a.online, ...a.status.desired.flows.map((f: { revision: number }) => f.revision)]),
      ).toEqual([
        [true, 2, 2],
        [true, 1, 1],
        [true, 1, 1],
      ]);
    });
    expect((await call('POST', `/rollouts/${res.body.id}/approve`)).status).toBe(200);
    await whenStatus(res.body.id, 'SUCCEEDED');
    await eventually(() =>
      expect(both()).toEqual([
        [2, 2],
        [2, 2],
        [2, 2],
      ]),
    );
  }, 120_000);

  it('moves agents to new labels in waves, their flows following, and a rollback restores their labels, an agent offline on its return', async () => {
    const ids = await fleet('lab', 3, () => ({}), { tier: 'old' });
    await saveOn('lab', 'old', OK_TASKS, false, '{labels: {fleet: lab, tier: old}}');
    await saveOn('lab', 'new', OK_TASKS, false, '{labels: {fleet: lab, tier: new}}');
    const flows = () => ids.map((id) => [appliedOf('old')(id) ?? '-', appliedOf('new')(id) ?? '-']);
    await eventually(() => expect(flows()).toEqual(ids.map(() => [1, '-'])));

    const res = await call('POST', '/rollouts', {
      json: {
        labels: { set: { tier: 'new' }, remove: ['spare'] },
        agents: { fleet: 'lab' },
        options: approvedWaves(1, 'PT0.1S'),
      },
    });
    expect(res.status, res.text).toBe(201);
    expect(res.body).toMatchObject({
      kind: 'labels',
      labelChange: { set: { tier: 'new' } },
      labels: { fleet: 'lab' },
    });
    const id = res.body.id as string;
    await whenStatus(id, 'WAITING');
    await eventually(() =>
      expect(flows()).toEqual([
        ['-', 1],
        [1, '-'],
        [1, '-'],
      ]),
    );
    expect((await call('GET', '/agents/lab-1')).body.labels).toEqual({ fleet: 'lab', tier: 'new' });
    expect((await call('GET', '/agents/lab-2')).body.labels).toEqual({ fleet: 'lab', tier: 'old' });
    expect((await call('POST', `/rollouts/${id}/approve`)).status).toBe(200);
    const second = await whenStatus(id, 'WAITING');
    expect(second.agents['lab-2']).toMatchObject({
      state: 'applied',
      previousLabels: { fleet: 'lab', tier: 'old' },
    });
    await eventually(() =>
      expect(flows()).toEqual([
        ['-', 1],
        ['-', 1],
        [1, '-'],
      ]),
    );

    await stop('lab-2');
    const back = await call('POST', `/rollouts/${id}/rollback`);
    expect(back.status, back.text).toBe(200);
    expect(back.body.agents['lab-3'].state).toBe('pending');
    for (const a of ids)
      expect((await call('GET', `/agents/${a}`)).body.labels).toEqual({ fleet: 'lab', tier: 'old' });
    await eventually(() =>
      expect([flows()[0], flows()[2]]).toEqual([
        [1, '-'],
        [1, '-'],
      ]),
    );
    await start('lab-2');
    await eventually(() => expect(flows()[1]).toEqual([1, '-']));
  }, 120_000);

  /** Uploads a stand-in archive as agent version `version` (once: a version is never replaced). */
  async function upload(version: string): Promise<void> {
    const res = await fetch(`${hub.url}/api/v1/agent-versions/${version}`, {
      method: 'PUT',
      headers: { authorization: `Bearer ${ADMIN}`, 'content-type': 'application/octet-stream' },
      body: gzipSync(`bundle ${version}`),
    });
    expect([201, 409]).toContain(res.status);
  }

  it('rolls an agent version out to the agents with its labels; one that refuses it fails the canary, which gets its version back', async () => {
    // Agents in this process, reporting their version through the real protocol; each is given an
    // install folder the launcher never made, so each refuses to swap, as a device that cannot would.
    const ids = await fleet('ver', 3, (id) => ({
      version: '1.0.0',
      update: { installDir: join(root, `${id}-install`), hubApiUrl: hub.url },
    }));
    await eventually(async () => expect((await call('GET', `/agents/${ids[2]}`)).body.version).toBe('1.0.0'));
    const create = (agentVersion: string) =>
      call('POST', '/rollouts', {
        json: { agentVersion, labels: { fleet: 'ver' }, options: { onFailure: 'ROLLBACK' } },
      });
    const missing = await create('2.0.0');
    expect(missing.status).toBe(404);
    expect(missing.body.error.message).toBe('no agent version 2.0.0: upload it first');
    await upload('2.0.0');
    // Nothing could restore 1.0.0 on a rollback: it is not on the hub.
    const unrestorable = await create('2.0.0');
    expect(unrestorable.status).toBe(409);
    expect(unrestorable.body.error.message).toContain('1.0.0 (ver-1, ver-2, ver-3)');
    await upload('1.0.0');
    const res = await create('2.0.0');
    expect(res.status, res.text).toBe(201);
    expect(res.body).toMatchObject({ kind: 'agentVersion', agentVersion: '2.0.0', labels: { fleet: 'ver' } });
    expect(Object.keys(res.body.agents).sort()).toEqual(ids);
    const r = await whenStatus(res.body.id, 'ROLLED_BACK');
    expect(r.failedAgents).toEqual(['ver-1']);
    expect(r.reason).toMatch(/^canary: agents refused the agent version/);
    expect(r.agents['ver-1']).toMatchObject({ state: 'rolled_back', previousVersion: '1.0.0' });
    expect(r.agents['ver-1'].reason).toContain('not started by the launcher');
    expect(r.agents['ver-2'].state).toBe('pending');
    const canary = (await call('GET', '/agents/ver-1')).body;
    expect(canary.status).toMatchObject({ targetVersion: '1.0.0', desired: { agentVersion: '1.0.0' } });
    for (const id of ['ver-2', 'ver-3'])
      expect((await call('GET', `/agents/${id}`)).body.status.targetVersion ?? null).toBeNull();
    const listed = (await call('GET', '/rollouts?status=ROLLED_BACK')).body.items;
    expect(listed.map((l: { id: string }) => l.id)).toContain(res.body.id);
  });

  it('keeps deciding an agent version rollout after the hub restarts: its rollback reaches the agents it reached', async () => {
    // Agents with no install folder: they report their version and leave the one asked for alone.
    const ids = await fleet('verh', 2, () => ({ version: '1.0.0' }));
    for (const version of ['1.0.0', '2.0.0']) await upload(version);
    await eventually(async () => expect((await call('GET', `/agents/${ids[1]}`)).body.version).toBe('1.0.0'));
    const res = await call('POST', '/rollouts', {
      json: {
        agentVersion: '2.0.0',
        labels: { fleet: 'verh' },
        options: { canary: { count: 1 }, waves: { size: 1 }, gates: { appliedWithin: 'PT10M' } },
      },
    });
    expect(res.status, res.text).toBe(201);
    const target = async (id: string) =>
      (await call('GET', `/agents/${id}`)).body.status.targetVersion ?? null;
    await eventually(async () => expect(await target('verh-1')).toBe('2.0.0'));

    await hub.close();
    await startHubAgain();
    const back = await call('POST', `/rollouts/${res.body.id}/rollback`);
    expect(back.status, back.text).toBe(200);
    expect(back.body.status).toBe('ROLLED_BACK');
    expect(await target('verh-1')).toBe('1.0.0');
    expect(await target('verh-2')).toBeNull();
  }, 120_000);
});
