/**
 * Three hub processes on one PostgreSQL database and one Mosquitto, sharing
 * agent messages through an MQTT 5 shared subscription: one replica killed
 * (SIGKILL) in the middle of a burst from several agents loses nothing and
 * stores nothing twice — what its dead session never acknowledged is sent
 * again by the agents and stored by the replicas left.
 */
import { expect, it, onTestFinished } from 'vitest';
import { describeWithService } from '../support/services.js';
import type { HubApiClient, HubProcess } from './hub-process.js';
import { ReplicaStand, sumMetric } from './replica-stand.js';
import { until } from './stand.js';

const ADMIN = 'tern_replica_kill_admin_token_0123456789';
const AGENTS = 4;
const EXECUTIONS_PER_AGENT = 25;

describeWithService('TERN_TEST_MQTT_URL', 'hub replicas: one killed mid-burst', () => {
  it('stores every record of every agent exactly once', { timeout: 180_000 }, async () => {
    const stand = await ReplicaStand.start({ name: 'replica-kill', adminToken: ADMIN, agents: AGENTS });
    onTestFinished(({ task }) => stand.close(task.result?.state === 'fail'));
    const { agentIds } = stand;
    const [front, , victim] = [0, 1, 2].map((i) => stand.api(i));

    // Runs go through the first replica; the agents' records reach all three.
    const ids = new Map<string, string[]>(agentIds.map((id) => [id, []]));
    let sent = 0;
    let killed: Promise<number> | undefined;
    const total = AGENTS * EXECUTIONS_PER_AGENT;
    const worker = async () => {
      while (sent < total) {
        const agentId = agentIds[sent % AGENTS]!;
        sent++;
        const res = await front!.call('POST', `/executions/faults/burst?agent=${agentId}`);
        expect(res.status, JSON.stringify(res.body)).toBe(202);
        ids.get(agentId)!.push(...(res.body.executionIds as string[]));
        if (sent === Math.floor(total / 3)) killed = killWhenIngesting(victim!, stand.hubs[2]!);
      }
    };
    await Promise.all(Array.from({ length: 4 }, worker));
    const ingestedByVictim = await killed;

    // The two replicas left take every agent's messages, the ones the dead replica never acknowledged included.
    await stand.agentsDrained(90_000);
    await until(async () => {
      const listed = await front!.call('GET', '/executions?limit=500');
      expect(listed.body.items.filter((e: { state: string }) => e.state === 'SUCCESS').length).toBe(total);
    }, 90_000);
    const duplicatesSeen =
      sumMetric(await front!.metrics(), 'tern_sync_records_duplicate_total') +
      sumMetric(await stand.api(1).metrics(), 'tern_sync_records_duplicate_total');

    const figures = await stand.settle(ids);
    console.info(
      `replica kill: ${JSON.stringify({ ...figures, ingestedByKilledReplica: ingestedByVictim, resentAndDropped: duplicatesSeen })}`,
    );
    expect(ingestedByVictim).toBeGreaterThan(0);
    expect(new Set([...ids.values()].flat()).size).toBe(total);
    expect(figures.stored).toBe(figures.sent);
    expect(figures.duplicated).toBe(0);
    expect(figures.lost).toBe(0);
  });
});

/** Kills the replica once it has stored some agent records; resolves with how many it had. */
async function killWhenIngesting(api: HubApiClient, hub: HubProcess): Promise<number> {
  const ingested = await until(async () => {
    const n = sumMetric(await api.metrics(), 'tern_sync_records_ingested_total');
    expect(n).toBeGreaterThan(0);
    return n;
  });
  await hub.stop('SIGKILL');
  return ingested;
}
