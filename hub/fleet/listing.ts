/** Every agent and every agent-bound flow, read page by page from storage. */
import type { AgentRow, HubStorage } from '../store/types.js';
import type { AssignableFlow } from './assignment.js';

const PAGE = 500;

/** Every registered agent, decommissioned ones included, by id. */
export async function* allAgents(storage: Pick<HubStorage, 'agents'>): AsyncGenerator<AgentRow> {
  let cursor: string | undefined;
  do {
    const page = await storage.agents.list({ limit: PAGE, ...(cursor !== undefined && { cursor }) });
    yield* page.items;
    cursor = page.nextCursor;
  } while (cursor !== undefined);
}

/** The latest revision of every live flow that runs on agents (not on the hub). */
export async function* agentFlows(storage: HubStorage): AsyncGenerator<AssignableFlow> {
  let cursor: string | undefined;
  do {
    const page = await storage.flows.list({ limit: PAGE, ...(cursor !== undefined && { cursor }) });
    for (const row of page.items) if (row.flow.runsOn !== undefined && row.flow.runsOn !== 'hub') yield row;
    cursor = page.nextCursor;
  } while (cursor !== undefined);
}
