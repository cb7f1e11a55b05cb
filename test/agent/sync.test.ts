/**
 * An agent against the embedded broker and the hub stand-in: hello and
 * status, commands and their answers, records in seq order, acks, back
 * pressure, outbox policies and malformed messages.
 */
import BetterSqlite3 from 'better-sqlite3';
import mqtt from 'mqtt';
import { afterEach, describe, expect, it } from 'vitest';
import type { Status } from '../../protocol/messages.js';
import { agentTopic } from '../../protocol/topics.js';
import { type Logged, recordingLogger } from '../support/logger.js';
import { AGENT_ID, Cleanup, command, eventually, rig, settle, startTestAgent } from './harness.js';
import { desired, tempDir } from './hub-stand-in.js';

const cleanup = new Cleanup();
afterEach(() => cleanup.run());

const PAUSING_FLOW = `id: waits
namespace: test
tasks:
  - id: hold
    type: pause
`;

type Rig = Awaited<ReturnType<typeof rig>>;

const hello = (r: Rig) => r.agent.flows().find((f) => f.flow.id === 'hello')!;

/** Assigns the test flows and waits for the agent to report them applied. */
async function assign(r: Rig): Promise<void> {
  await r.hub.desire(desired(1, [{ id: 'hello' }, { id: 'waits', source: PAUSING_FLOW }]));
  await eventually(() => expect(r.hub.reported.at(-1)?.applied.length).toBe(2));
}

describe('connecting', () => {
  it('announces itself with hello: version, plugin types, labels and outbox marks', async () => {
    const { hub } = await rig(cleanup);
    expect(hub.hello[0]).toMatchObject({
      agentId: AGENT_ID,
      labels: { site: 'plant1' },
      outbox: { highSeq: 0, ackedSeq: 0, depth: 0 },
    });
    expect(hub.hello[0]?.pluginTypes).toEqual(expect.arrayContaining(['log', 'shell', 'http.request']));
  });

  it('reaches the ACTIVE state', async () => {
    const { agent } = await rig(cleanup);
    await eventually(() => expect(agent.connectionState()).toBe('ACTIVE'));
  });

  it('leaves a retained online status for whoever subscribes later', async () => {
    const r = await rig(cleanup);
    await eventually(() => expect(r.hub.status.length).toBeGreaterThan(0));
    const late = await mqtt.connectAsync(r.url, { ...r.broker.hubCredentials, reconnectPeriod: 0 });
    cleanup.add(() => late.endAsync(true));
    const retained = new Promise<{ status: Status; retain: boolean }>((resolve) =>
      late.on('message', (_t, payload, packet) =>
        resolve({ status: JSON.parse(payload.toString()) as Status, retain: packet.retain }),
      ),
    );
    await late.subscribeAsync(agentTopic(AGENT_ID, 'status'), { qos: 1 });
    expect(await retained).toMatchObject({ status: { state: 'online', load: { running: 0 } }, retain: true });
  });

  it('keeps retrying with backoff, without crashing, when the broker refuses its token', async () => {
    const r = await rig(cleanup);
    const refused = await startTestAgent(cleanup, {
      id: 'gw-02',
      token: 'wrong',
      hubUrl: r.url,
      dataDir: tempDir(),
    });
    const seen: string[] = [];
    refused.sync!.onStateChange((to) => seen.push(to));
    await eventually(() => expect(seen.filter((s) => s === 'RECONNECTING').length).toBeGreaterThanOrEqual(2));
    expect([refused.syncStats()?.connects, r.broker.stats().rejectedConnections > 0]).toEqual([0, true]);
  });

  it('publishes a retained offline status when it closes', async () => {
    const r = await rig(cleanup);
    await r.agent.close();
    await eventually(() => expect(r.hub.status.at(-1)?.value.state).toBe('offline'));
  });
});

describe('commands', () => {
  it('runs a flow on a run command and answers with the execution id it was given', async () => {
    const r = await rig(cleanup);
    await assign(r);
    const answer = await command(r.hub, {
      type: 'run',
      namespace: 'test',
      flowId: 'hello',
      executionId: 'ex-1',
    });
    expect(answer).toEqual({ commandId: expect.any(String), ok: true, executionId: 'ex-1' });
    expect((await r.agent.engine.wait('ex-1')).state).toBe('SUCCESS');
  });

  it('starts one execution for two run commands naming the same execution id', async () => {
    const r = await rig(cleanup);
    await assign(r);
    const run = { type: 'run', namespace: 'test', flowId: 'hello', executionId: 'ex-twice' } as const;
    const answers = [await command(r.hub, run), await command(r.hub, run)];
    await r.agent.engine.idle();
    expect(answers.map((a) => [a.ok, a.executionId])).toEqual([
      [true, 'ex-twice'],
      [true, 'ex-twice'],
    ]);
    // A second run of the flow would have logged its line a second time.
    expect((await r.agent.store.listLogs('ex-twice')).length).toBe(1);
  });

  it('refuses to run a flow it was not assigned', async () => {
    const r = await rig(cleanup);
    const answer = await command(r.hub, { type: 'run', namespace: 'test', flowId: 'nope' });
    expect(answer).toMatchObject({ ok: false, error: `flow test.nope is not assigned to agent ${AGENT_ID}` });
  });

  it('answers a ping', async () => {
    const r = await rig(cleanup);
    expect(await command(r.hub, { type: 'ping' })).toMatchObject({ ok: true });
  });

  it('kills a running execution on a kill command', async () => {
    const r = await rig(cleanup);
    await assign(r);
    await command(r.hub, { type: 'run', namespace: 'test', flowId: 'waits', executionId: 'ex-wait' });
    expect(await command(r.hub, { type: 'kill', executionId: 'ex-wait' })).toMatchObject({ ok: true });
    expect((await r.agent.engine.wait('ex-wait')).state).toBe('KILLED');
  });

  it('replays an ended execution as a new one', async () => {
    const r = await rig(cleanup);
    await assign(r);
    await command(r.hub, { type: 'run', namespace: 'test', flowId: 'hello', executionId: 'ex-orig' });
    await r.agent.engine.wait('ex-orig');
    const answer = await command(r.hub, { type: 'replay', executionId: 'ex-orig' });
    const replayed = await r.agent.engine.wait(String(answer.executionId));
    expect([answer.ok, replayed.originalId, replayed.state]).toEqual([true, 'ex-orig', 'SUCCESS']);
  });
});

describe('records', () => {
  it('arrive in seq order, from 1, without gaps', async () => {
    const r = await rig(cleanup);
    await assign(r);
    await command(r.hub, { type: 'run', namespace: 'test', flowId: 'hello', executionId: 'ex-seq' });
    await r.agent.engine.wait('ex-seq');
    await settle(r);
    const seqs = r.hub.batches.flat().map((x) => x.seq);
    expect(seqs).toEqual(Array.from({ length: seqs.length }, (_, i) => i + 1));
  });

  it('carry the execution, its task runs, its log lines and the command answer', async () => {
    const r = await rig(cleanup);
    await assign(r);
    await command(r.hub, { type: 'run', namespace: 'test', flowId: 'hello', executionId: 'ex-all' });
    await r.agent.engine.wait('ex-all');
    await settle(r);
    const stored = r.hub.stored();
    const last = (kind: string) => stored.filter((x) => x.kind === kind).at(-1)?.data;
    expect(last('execution')).toMatchObject({ id: 'ex-all', state: 'SUCCESS', agentId: AGENT_ID });
    expect(stored.filter((x) => x.kind === 'taskRun').map((x) => x.data.taskId)).toEqual(
      expect.arrayContaining(['say', 'out']),
    );
    expect(last('log')).toMatchObject({ executionId: 'ex-all', message: `hello from ${AGENT_ID}` });
    expect(last('command')).toMatchObject({ ok: true, executionId: 'ex-all' });
  });

  it('leave the outbox once the hub acks them', async () => {
    const r = await rig(cleanup);
    await assign(r);
    await command(r.hub, { type: 'run', namespace: 'test', flowId: 'hello', executionId: 'ex-ack' });
    await r.agent.engine.wait('ex-ack');
    await settle(r);
    const high = r.agent.outboxStats().highSeq;
    await eventually(() => expect(r.agent.outboxStats()).toMatchObject({ depth: 0, ackedSeq: high }));
  });
});

describe('back pressure', () => {
  it('keeps at most maxInFlight batches unacknowledged', async () => {
    const r = await rig(cleanup, { sync: { maxInFlight: 2, batchMaxRecords: 3 } }, { autoAck: false });
    await assign(r);
    for (let i = 0; i < 3; i++) await r.agent.engine.start(hello(r));
    await settle(r);
    expect([r.hub.batches.length, r.agent.syncStats()?.inFlight]).toEqual([2, 2]);
    expect(r.agent.outboxStats().depth).toBeGreaterThan(6);
  });

  it('sends the next batch once the hub acks one', async () => {
    const r = await rig(cleanup, { sync: { maxInFlight: 2, batchMaxRecords: 3 } }, { autoAck: false });
    await assign(r);
    for (let i = 0; i < 3; i++) await r.agent.engine.start(hello(r));
    await settle(r);
    await r.hub.ack(r.hub.batches[0]!.at(-1)!.seq);
    await eventually(() => expect(r.hub.batches.length).toBe(3));
    await settle(r);
    expect([r.hub.batches.length, r.hub.batches[2]![0]!.seq]).toEqual([3, r.hub.batches[1]!.at(-1)!.seq + 1]);
  });
});

describe('acks', () => {
  it('refuses an ack above every record sent, logged, and leaves the outbox untouched', async () => {
    const r = await rig(cleanup, {}, { autoAck: false });
    await assign(r);
    await r.agent.engine.run(hello(r));
    await settle(r);
    const before = r.agent.outboxStats();
    await r.hub.ack(Number.MAX_SAFE_INTEGER);
    await eventually(() => expect(r.agent.syncStats()?.refusedAcks).toBe(1));
    expect(r.agent.outboxStats()).toMatchObject({ depth: before.depth, ackedSeq: 0 });
    expect(before.depth).toBeGreaterThan(0);
  });

  it('counts as invalid an ack beyond 2^53 - 1, which JSON cannot say exactly', async () => {
    const r = await rig(cleanup, {}, { autoAck: false });
    const before = r.agent.syncStats()?.invalidByKind.ack ?? 0;
    await r.hub.publishRaw('ack', '{"seq":9007199254740993}');
    await eventually(() => expect(r.agent.syncStats()?.invalidByKind.ack).toBe(before + 1));
    expect(r.agent.outboxStats().ackedSeq).toBe(0);
  });

  it('tells the hub in each batch which seq it follows', async () => {
    const r = await rig(cleanup, { sync: { maxInFlight: 1, batchMaxRecords: 3 } });
    await assign(r);
    for (let i = 0; i < 3; i++) await r.agent.engine.run(hello(r));
    await r.agent.store.flush();
    const high = r.agent.outboxStats().highSeq;
    await eventually(() => expect(r.agent.outboxStats()).toMatchObject({ depth: 0, ackedSeq: high }));
    const follows = r.hub.batches.map((b, i) => [r.hub.afters[i], b[0]!.seq]);
    expect(follows.length).toBeGreaterThan(1);
    expect(follows.every(([after, first]) => after === first! - 1)).toBe(true);
  });
});

describe('a hub that stops acking', () => {
  it('gets the unacknowledged batches again after ackTimeoutMs', async () => {
    const r = await rig(cleanup, { sync: { ackTimeoutMs: 100 } }, { autoAck: false });
    await assign(r);
    await r.agent.engine.run(hello(r));
    await r.agent.store.flush();
    await eventually(() => expect(r.agent.syncStats()?.resends).toBeGreaterThanOrEqual(1));
    await eventually(() =>
      expect(r.hub.batches.filter((b) => b[0]?.seq === 1).length).toBeGreaterThanOrEqual(2),
    );
    await r.hub.ack(r.agent.outboxStats().highSeq);
    await eventually(() => expect(r.agent.outboxStats().depth).toBe(0));
  });
});

describe('a store that cannot take an ack', () => {
  it('keeps the agent serving, and trims on a later ack', async () => {
    const errors: Logged[] = [];
    const r = await rig(cleanup, { logger: recordingLogger(errors) }, { autoAck: false });
    await assign(r);
    await r.agent.engine.run(hello(r));
    await settle(r);
    const high = r.agent.outboxStats().highSeq;
    // Another connection keeps the write lock longer than the agent waits for it (here, not at all).
    r.agent.store.database.pragma('busy_timeout = 0');
    const lock = new BetterSqlite3(r.agent.store.database.name);
    cleanup.add(() => lock.close());
    lock.exec('BEGIN IMMEDIATE');
    await r.hub.ack(high);
    await eventually(() => expect(errors.map((e) => e.msg)).toContain('cannot handle a hub message'));
    lock.exec('ROLLBACK');
    expect([r.agent.connectionState(), r.agent.outboxStats().ackedSeq]).toEqual(['ACTIVE', 0]);
    await r.hub.ack(high);
    await eventually(() => expect(r.agent.outboxStats()).toMatchObject({ depth: 0, ackedSeq: high }));
  });
});

describe('outbox policies', () => {
  it('pause-triggers: refuses new executions while full, and takes them again once acked', async () => {
    const r = await rig(
      cleanup,
      { outbox: { maxRows: 3, policy: 'pause-triggers' }, sync: { maxInFlight: 100 } },
      { autoAck: false },
    );
    await assign(r);
    await command(r.hub, { type: 'run', namespace: 'test', flowId: 'hello', executionId: 'ex-p1' });
    await r.agent.engine.wait('ex-p1');
    await eventually(() => expect(r.agent.outboxStats().full).toBe(true));
    const refused = await command(r.hub, {
      type: 'run',
      namespace: 'test',
      flowId: 'hello',
      executionId: 'ex-p2',
    });
    await r.hub.ack(Math.max(...r.hub.records.keys()));
    await eventually(() => expect(r.agent.outboxStats().full).toBe(false));
    const accepted = await command(r.hub, {
      type: 'run',
      namespace: 'test',
      flowId: 'hello',
      executionId: 'ex-p3',
    });
    expect([refused.ok, refused.error, accepted.ok]).toEqual([
      false,
      expect.stringMatching(/outbox is full/),
      true,
    ]);
  });

  it('pause-triggers: tells the hub in its status that the outbox is full', async () => {
    const r = await rig(cleanup, { outbox: { maxRows: 3, policy: 'pause-triggers' } }, { autoAck: false });
    await assign(r);
    await command(r.hub, { type: 'run', namespace: 'test', flowId: 'hello' });
    await eventually(() => expect(r.hub.status.at(-1)?.value.outbox?.full).toBe(true));
  });

  it('drop-oldest: keeps running and reports what it dropped', async () => {
    const r = await rig(
      cleanup,
      { outbox: { maxRows: 3, policy: 'drop-oldest' }, sync: { maxInFlight: 1 } },
      { autoAck: false },
    );
    await assign(r);
    for (let i = 0; i < 3; i++) await r.agent.engine.run(hello(r));
    await settle(r);
    expect(r.hub.status.at(-1)?.value.outbox).toMatchObject({ depth: 3, full: false });
    expect(r.hub.status.at(-1)?.value.outbox?.dropped).toBeGreaterThan(0);
  });
});

describe('malformed messages', () => {
  it('counts and ignores a cmd that is not JSON, and keeps serving', async () => {
    const r = await rig(cleanup);
    await r.hub.command('{"id": "c-bad", ');
    await eventually(() => expect(r.agent.syncStats()?.invalidByKind.cmd).toBe(1));
    expect(await command(r.hub, { type: 'ping' })).toMatchObject({ ok: true });
  });

  it('answers an invalid command that carries an id with the reason', async () => {
    const r = await rig(cleanup);
    await r.hub.command('{"id": "c-odd", "type": "reboot"}');
    await eventually(() => expect(r.hub.answers().get('c-odd')).toBeDefined());
    expect(r.hub.answers().get('c-odd')).toEqual({
      commandId: 'c-odd',
      ok: false,
      error: 'cmd: type must be one of run, kill, restart, replay, resume, ping',
    });
  });

  it('counts and ignores a desired that breaks the schema, keeping its flows', async () => {
    const r = await rig(cleanup);
    await assign(r);
    await r.hub.desire(JSON.stringify({ generation: 'two', flows: [] }), false);
    await eventually(() => expect(r.agent.syncStats()?.invalidByKind.desired).toBe(1));
    expect(
      r.agent
        .appliedFlows()
        .map((f) => f.id)
        .sort(),
    ).toEqual(['hello', 'waits']);
  });

  it('counts and ignores an ack that is not JSON', async () => {
    const r = await rig(cleanup);
    const before = r.agent.syncStats()?.invalidMessages ?? 0;
    await r.hub.publishRaw('ack', 'not json');
    await eventually(() => expect(r.agent.syncStats()?.invalidMessages).toBe(before + 1));
    expect(r.agent.connectionState()).toBe('ACTIVE');
  });
});
