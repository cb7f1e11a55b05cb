/**
 * docs/protocol.md, exactly once: the MQTT broker goes away while an agent's executions run and
 * log, and comes back: Mosquitto killed and started again, or the hub's
 * embedded broker stopped and started with its hub. The agent reconnects by
 * itself, the hub too, and every record reaches the hub exactly once.
 */
import { readFileSync } from 'node:fs';
import { expect, it } from 'vitest';
import { FaultStand, forEachBroker, until } from './stand.js';

const EXECUTIONS = 100;

forEachBroker('the broker restarted during a burst', (broker) => {
  it('loses and duplicates nothing across the restart', async () => {
    const stand = await FaultStand.open(broker);
    const agent = await stand.startAgent('gw-rebroker');
    await stand.deployBurst(agent, 8, 'PT0.5S');
    const ids = await stand.burst(agent, EXECUTIONS);
    await until(async () => expect((await stand.hubProgress(agent.id)).listed).toBe(EXECUTIONS));

    await stand.restartBroker(async () => {
      const atStop = await agent.process.snapshot();
      expect(atStop.running).toBeGreaterThan(0);
      await until(async () => {
        const now = await agent.process.snapshot();
        expect(now.state).not.toBe('ACTIVE');
        expect(now.outbox.highSeq).toBeGreaterThan(atStop.outbox.highSeq + 300);
      });
    });

    await stand.waitSynced(agent, EXECUTIONS);
    // The hub's broker URL carries its password; what it logs about reconnecting must not.
    if (stand.mosquitto)
      expect(readFileSync(stand.hubLogFile, 'utf8')).not.toContain(stand.mosquitto.hubPassword);
    await stand.expectExactlyOnce(agent, ids);
  });
});
