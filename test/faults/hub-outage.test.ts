/**
 * docs/protocol.md, exactly once: the hub process dies (SIGKILL) while an agent's executions run
 * and log; the agent goes on and buffers in its outbox, and once the hub is
 * back on the same storage every record arrives exactly once. With the
 * embedded broker the agent loses its connection too; with Mosquitto it stays
 * connected and its unacknowledged batches are sent again after the ack
 * timeout.
 */
import { expect, it } from 'vitest';
import { FaultStand, forEachBroker, until } from './stand.js';

const EXECUTIONS = 100;

forEachBroker('the hub killed during a burst', (broker) => {
  it('loses and duplicates nothing while it is down and after it returns', async () => {
    const stand = await FaultStand.open(broker);
    const agent = await stand.startAgent('gw-hubless');
    await stand.deployBurst(agent, 8, 'PT0.5S');
    const ids = await stand.burst(agent, EXECUTIONS);
    await until(async () => expect((await stand.hubProgress(agent.id)).listed).toBe(EXECUTIONS));

    await stand.restartHub('SIGKILL', async () => {
      const atCrash = await agent.process.snapshot();
      expect(atCrash.running).toBeGreaterThan(0);
      // The executions go on without the hub: their records pile up in the outbox.
      await until(async () => {
        const now = await agent.process.snapshot();
        expect(now.outbox.highSeq).toBeGreaterThan(atCrash.outbox.highSeq + 300);
        expect(now.outbox.depth).toBeGreaterThan(300);
      });
    });

    await stand.waitSynced(agent, EXECUTIONS);
    await stand.expectExactlyOnce(agent, ids);
  });
});
