/**
 * docs/protocol.md, exactly once: the network between an agent and its broker turns into a black
 * hole, with no clean close on either side. The agent notices through MQTT
 * keepalive, goes RECONNECTING, keeps running its executions and buffering
 * their records, and drains them exactly once when the network heals.
 */
import { readFileSync } from 'node:fs';
import { expect, it } from 'vitest';
import { TcpProxy } from '../support/tcp-proxy.js';
import { FaultStand, forEachBroker, until } from './stand.js';

const EXECUTIONS = 100;

forEachBroker('a network black hole between agent and broker', (broker) => {
  it('is noticed through keepalive, buffered through, and drained exactly once', async () => {
    const stand = await FaultStand.open(broker);
    const proxy = await TcpProxy.start({ host: '127.0.0.1', port: stand.brokerPort });
    stand.onClose(() => proxy.close());
    const agent = await stand.startAgent('gw-cut', { hubUrl: proxy.url, keepaliveSeconds: 2 });
    await stand.deployBurst(agent, 8, 'PT0.5S');
    const ids = await stand.burst(agent, EXECUTIONS);
    await until(async () => expect((await stand.hubProgress(agent.id)).listed).toBe(EXECUTIONS));

    proxy.blackHole();
    // The link is held open, not closed: only the agent's keepalive can find out that it is dead.
    expect(proxy.connections, 'sockets the black hole holds').toBeGreaterThan(0);
    const atCut = await agent.process.snapshot();
    expect(atCut).toMatchObject({ state: 'ACTIVE' });
    expect(atCut.running).toBeGreaterThan(0);
    // Nothing closes the socket: only keepalive can tell the link is dead.
    await until(async () => expect((await agent.process.snapshot()).state).toBe('RECONNECTING'), 15_000);
    expect(readFileSync(agent.process.logFile, 'utf8')).toContain('Keepalive timeout');
    await until(async () => {
      const now = await agent.process.snapshot();
      expect(now.state).not.toBe('ACTIVE');
      expect(now.outbox.highSeq).toBeGreaterThan(atCut.outbox.highSeq + 300);
      expect(now.outbox.depth).toBeGreaterThan(300);
    });

    proxy.restore();
    await stand.waitSynced(agent, EXECUTIONS);
    await stand.expectExactlyOnce(agent, ids);
  });
});
