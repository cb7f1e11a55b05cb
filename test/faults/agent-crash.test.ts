/**
 * Exactly once (docs/protocol.md) and resume after a crash: an agent process
 * killed (SIGKILL), or stopped cleanly (SIGTERM), in the middle of a burst of executions, and started again on the
 * same data dir, resumes what was running, takes the commands that waited for
 * it in the broker, and syncs every execution, task run and log line to the
 * hub exactly once.
 */
import { expect, it } from 'vitest';
import { FaultStand, forEachBroker } from './stand.js';

const EXECUTIONS = 120;

forEachBroker('an agent restarted during a burst', (broker) => {
  it('accounts for every execution exactly once after SIGKILL and restart', async () => {
    const stand = await FaultStand.open(broker);
    const agent = await stand.startAgent('gw-crash');
    await stand.deployBurst(agent);

    let runningBeforeKill = 0;
    let looked: Promise<void> | undefined;
    let killed: Promise<void> | undefined;
    // Killed while run commands keep coming: some are being handled, the rest wait for the agent in its session.
    // The other requests go on meanwhile, so the kill waits for the look at what runs (slow on a busy machine).
    const ids = await stand.burst(agent, EXECUTIONS, async (sent) => {
      if (sent === 30)
        looked = agent.process.snapshot().then((s) => {
          runningBeforeKill = s.running;
        });
      if (sent === 40) killed = looked!.then(() => agent.process.stop('SIGKILL'));
    });
    await killed;
    expect(runningBeforeKill).toBeGreaterThan(0);

    await stand.restartAgent(agent);
    await stand.waitSynced(agent, EXECUTIONS);
    await stand.expectExactlyOnce(agent, ids);
  });

  it('accounts for every execution exactly once after a clean stop (SIGTERM) and restart', async () => {
    const stand = await FaultStand.open(broker);
    const agent = await stand.startAgent('gw-restart');
    await stand.deployBurst(agent);

    let stopped: Promise<void> | undefined;
    // Stopped while run commands keep coming: those that arrive as it stops must wait for the next start.
    const ids = await stand.burst(agent, EXECUTIONS, async (sent) => {
      if (sent === 40) stopped = agent.process.stop('SIGTERM');
    });
    await stopped;

    await stand.restartAgent(agent);
    await stand.waitSynced(agent, EXECUTIONS);
    await stand.expectExactlyOnce(agent, ids);
  });
});
