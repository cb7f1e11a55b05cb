/** The broker goes away and comes back: the agent keeps running, buffers, reconnects and drains in order with no gaps. */
import { afterEach, describe, expect, it } from 'vitest';
import type { ConnectionState } from '../../agent/sync/connection.js';
import { AGENT_ID, Cleanup, command, eventually, rig, TOKEN } from './harness.js';
import { desired, HubStandIn, testBroker } from './hub-stand-in.js';

const cleanup = new Cleanup();
afterEach(() => cleanup.run());

type Rig = Awaited<ReturnType<typeof rig>>;

async function withFlow(r: Rig) {
  await r.hub.desire(desired(1, [{ id: 'hello' }]));
  await eventually(() => expect(r.hub.reported.length).toBe(1));
  return r.agent.flows()[0]!;
}

/** Stops the broker (and the stand-in with it) and waits for the agent to notice. */
async function outage(r: Rig): Promise<void> {
  await r.hub.close();
  await r.broker.close();
  await eventually(() => expect(r.agent.connectionState()).not.toBe('ACTIVE'));
}

/** A new broker on the same port and a new stand-in that keeps the records the first one stored. */
async function recovery(r: Rig, options: { autoAck?: boolean } = {}): Promise<HubStandIn> {
  const broker = await testBroker({ [AGENT_ID]: TOKEN }, r.broker.port);
  cleanup.add(() => broker.close());
  const hub = await HubStandIn.connect({
    url: r.url,
    ...broker.hubCredentials,
    agentId: AGENT_ID,
    records: r.hub.records,
    signer: r.hub.signer,
    ...options,
  });
  cleanup.add(() => hub.close());
  return hub;
}

describe('an outage of the broker', () => {
  it('lets executions run and keeps their records in the outbox', async () => {
    const r = await rig(cleanup);
    const flow = await withFlow(r);
    await outage(r);
    const runs = await Promise.all(Array.from({ length: 10 }, () => r.agent.engine.run(flow)));
    await r.agent.store.flush();
    expect(runs.every((e) => e.state === 'SUCCESS')).toBe(true);
    expect(r.agent.outboxStats().depth).toBeGreaterThanOrEqual(10);
  });

  it('ends with everything drained in seq order, with no gap, once the broker is back', async () => {
    const r = await rig(cleanup);
    const flow = await withFlow(r);
    await command(r.hub, { type: 'run', namespace: 'test', flowId: 'hello', executionId: 'before' });
    await outage(r);
    const during = await Promise.all(Array.from({ length: 20 }, () => r.agent.engine.run(flow)));
    await r.agent.store.flush();
    const high = r.agent.outboxStats().highSeq;
    const hub = await recovery(r);
    await eventually(() => expect(r.agent.outboxStats()).toMatchObject({ depth: 0, ackedSeq: high }), 20_000);
    const seqs = hub.stored().map((x) => x.seq);
    const ended = new Set(
      hub
        .stored()
        .filter((x) => x.kind === 'execution' && x.data.state === 'SUCCESS')
        .map((x) => x.data.id),
    );
    expect(seqs).toEqual(Array.from({ length: high }, (_, i) => i + 1));
    expect(during.every((e) => ended.has(e.id))).toBe(true);
  });

  it('sends again, after reconnecting, the batches that were never acknowledged', async () => {
    const r = await rig(cleanup, {}, { autoAck: false });
    const flow = await withFlow(r);
    await r.agent.engine.run(flow);
    await eventually(() => expect(r.hub.batches.length).toBeGreaterThan(0));
    const firstSent = r.hub.batches[0]![0]!.seq;
    await outage(r);
    const hub = await recovery(r);
    await eventually(() => expect(hub.batches.length).toBeGreaterThan(0));
    expect([firstSent, hub.batches[0]![0]!.seq]).toEqual([1, 1]);
    await eventually(() => expect(r.agent.outboxStats().depth).toBe(0));
  });

  it('walks the connection through RECONNECTING and CONNECTING back to ACTIVE', async () => {
    const r = await rig(cleanup);
    const seen: ConnectionState[] = [];
    r.agent.sync!.onStateChange((to) => seen.push(to));
    await outage(r);
    await recovery(r);
    await eventually(() => expect(r.agent.connectionState()).toBe('ACTIVE'));
    expect(seen[0]).toBe('RECONNECTING');
    expect(seen.slice(-2)).toEqual(['CONNECTING', 'ACTIVE']);
    expect(seen.every((s, i) => i === 0 || s !== seen[i - 1])).toBe(true);
  });

  it('says hello again on reconnect with its outbox marks', async () => {
    const r = await rig(cleanup);
    const flow = await withFlow(r);
    await outage(r);
    await r.agent.engine.run(flow);
    await r.agent.store.flush();
    const { highSeq, ackedSeq } = r.agent.outboxStats();
    const hub = await recovery(r, { autoAck: false });
    const hello = await eventually(() => {
      expect(hub.hello.length).toBe(1);
      return hub.hello[0]!;
    });
    expect(hello.outbox).toMatchObject({ highSeq, ackedSeq });
  });
});
