/** An in-process agent of a test hub, reconnecting fast, and a wait for the flows it applied. */
import { expect, vi } from 'vitest';
import { type Agent, startAgent } from '../../agent/agent.js';
import type { Hub } from '../../hub/hub.js';

/** Starts agent `id` on `hub`'s embedded broker with its `token`, its store in `dataDir`. */
export function startHubAgent(hub: Hub, id: string, token: string, dataDir: string): Promise<Agent> {
  return startAgent({
    id,
    token,
    hubUrl: `mqtt://127.0.0.1:${hub.mqttPort}`,
    dataDir,
    sync: { reconnectMinMs: 20, reconnectMaxMs: 200, lingerMs: 1 },
  });
}

/** Resolves once the agent has applied exactly the flows `ids` (in any order). */
export function appliedFlowIds(agent: Agent, ids: readonly string[], timeoutMs = 20_000): Promise<void> {
  return vi.waitFor(
    () =>
      expect(
        agent
          .appliedFlows()
          .map((f) => f.id)
          .sort(),
      ).toEqual([...ids].sort()),
    { timeout: timeoutMs, interval: 20 },
  );
}
