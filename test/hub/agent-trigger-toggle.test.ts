/**
 * trigger.Toggle run on an agent: the trigger of the agent's own flow is
 * switched there at once, and the hub makes one revision of the flow from the
 * record the agent sends; a flow that does not run on the agent is refused.
 * A real hub (PGlite, and PostgreSQL when TERN_TEST_PG_URL is set) and a real agent.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import type { Agent } from '../../agent/agent.js';
import type { Hub } from '../../hub/hub.js';
import { appliedFlowIds, startHubAgent } from '../support/hub-agent.js';
import { apiCaller, startTestHub } from '../support/hub-api.js';
import { type FreshDatabase, freshDatabase } from '../support/postgres.js';
import { describeWithService } from '../support/services.js';

const ADMIN = 'tern_agent_toggle_admin_token_0123456789';
const eventually = <T>(check: () => T | Promise<T>) => vi.waitFor(check, { timeout: 20_000, interval: 20 });

const onPlant = 'runsOn:\n  labels:\n    site: plant\n';

/** A flow with a schedule that never fires during the test, run where `runsOn` says. */
const yearly = (id: string, runsOn: string) => `id: ${id}
namespace: plant
${runsOn}triggers:
  - id: yearly
    type: schedule
    cron: "0 0 1 1 *"
tasks:
  - id: say
    type: log
    message: ${id}
`;

/** The agent's flow whose schedule the toggle switches. */
const TICKER = yearly('ticker', onPlant);

/** Switches a trigger from the agent; `flowId` and `enabled` come as inputs. */
const SWITCH = `id: switch
namespace: plant
${onPlant}inputs:
  - id: flowId
    type: STRING
  - id: enabled
    type: BOOLEAN
tasks:
  - id: toggle
    type: io.kestra.plugin.core.trigger.Toggle
    flowId: "{{ inputs.flowId }}"
    trigger: yearly
    enabled: "{{ inputs.enabled }}"
`;

/** A flow the hub runs, not the agent. */
const HUB_ONLY = yearly('elsewhere', 'runsOn: hub\n');

function suite(database: { kind: 'pglite' } | { kind: 'postgres'; url: string }): void {
  const root = mkdtempSync(join(tmpdir(), 'tern-agent-toggle-'));
  let pg: FreshDatabase | undefined;
  let hub: Hub;
  let agent: Agent;
  let call: ReturnType<typeof apiCaller>;

  beforeAll(async () => {
    pg = database.kind === 'postgres' ? await freshDatabase(database.url, 'tern_agent_toggle') : undefined;
    hub = await startTestHub(join(root, 'hub'), ADMIN, { ...(pg && { dbUrl: pg.url }) });
    call = apiCaller(hub.url, ADMIN);
    for (const yaml of [TICKER, SWITCH, HUB_ONLY])
      expect((await call('POST', '/flows', { yaml })).status).toBe(201);
    const created = await call('POST', '/agents', { json: { id: 'gw-plant', labels: { site: 'plant' } } });
    agent = await startHubAgent(hub, 'gw-plant', created.body.token, join(root, 'gw-plant'));
    await appliedFlowIds(agent, ['switch', 'ticker']);
  }, 60_000);

  afterAll(async () => {
    await agent?.close();
    await hub?.close();
    await pg?.drop();
    rmSync(root, { recursive: true, force: true });
  }, 60_000);

  /** Runs `switch` on the agent and waits for the hub to hold its end. */
  async function runSwitch(flowId: string, enabled: boolean) {
    const started = await call('POST', '/executions/plant/switch?agent=gw-plant', {
      json: { flowId, enabled },
    });
    expect(started.status).toBeLessThan(300);
    const id = started.body.executionIds[0] as string;
    let ended: { state: string; taskRuns: { taskId: string; state: string; error?: string }[] } | undefined;
    await eventually(async () => {
      const res = await call('GET', `/executions/${id}`);
      expect(['SUCCESS', 'FAILED']).toContain(res.body?.state);
      ended = res.body;
    });
    return ended!;
  }

  const tickerOnAgent = () => agent.triggers.status().find((s) => s.flowId === 'ticker');

  it('disables the trigger on the agent at once, and the hub makes exactly one revision of it', async () => {
    expect(tickerOnAgent()).toMatchObject({ revision: 1 });
    expect(tickerOnAgent()?.disabled).toBeUndefined();
    expect(agent.triggers.list().map((t) => t.flowId)).toContain('ticker');

    // What runs on the agent when the toggle's success is saved there: switched by the task itself, not by the hub's revision.
    let runningAtSuccess: string[] | undefined;
    const off = agent.engine.on({
      taskRun: (tr) => {
        if (tr.taskId === 'toggle' && tr.state === 'SUCCESS')
          runningAtSuccess ??= agent.triggers.list().map((t) => `${t.flowId} r${t.revision}`);
      },
    });
    const ended = await runSwitch('ticker', false);
    off();
    expect(ended.state).toBe('SUCCESS');
    expect(runningAtSuccess).toEqual([]);

    await eventually(async () => {
      const flow = (await call('GET', '/flows/plant/ticker')).body;
      expect(flow.revision).toBe(2);
      expect(flow.triggers[0]).toMatchObject({ id: 'yearly', disabled: true });
    });
    // The agent follows the hub's revision, and the trigger stays disabled in it.
    await eventually(() => expect(tickerOnAgent()).toMatchObject({ revision: 2, disabled: true }));
    await eventually(async () => {
      const flow = (await call('GET', '/flows/plant/ticker')).body;
      expect(flow.triggers[0].runtimes).toEqual([
        expect.objectContaining({ runtime: 'agent', agentId: 'gw-plant', revision: 2, disabled: true }),
      ]);
    });
    expect(await hub.storage.flows.revisions('plant', 'ticker')).toHaveLength(2);
  });

  it('enables it again the same way, one more revision', async () => {
    const ended = await runSwitch('ticker', true);
    expect(ended.state).toBe('SUCCESS');
    expect(agent.triggers.list().map((t) => t.flowId)).toContain('ticker');
    await eventually(() => expect(tickerOnAgent()).toMatchObject({ revision: 3 }));
    expect(tickerOnAgent()?.disabled).toBeUndefined();
    const revisions = await hub.storage.flows.revisions('plant', 'ticker');
    expect(revisions).toHaveLength(3);
    expect((await call('GET', '/flows/plant/ticker')).body.triggers[0].disabled).toBe(false);
  });

  it('refuses a flow that does not run on the agent, saying why, and changes nothing', async () => {
    const ended = await runSwitch('elsewhere', false);
    expect(ended.state).toBe('FAILED');
    const toggle = ended.taskRuns.find((t) => t.taskId === 'toggle');
    expect(toggle?.state).toBe('FAILED');
    expect(toggle?.error).toContain('flow plant.elsewhere does not run on this agent');
    expect(await hub.storage.flows.revisions('plant', 'elsewhere')).toHaveLength(1);
  });
}

describe('trigger.Toggle on an agent (PGlite)', () => suite({ kind: 'pglite' }));
describeWithService('TERN_TEST_PG_URL', 'trigger.Toggle on an agent (PostgreSQL)', (url) =>
  suite({ kind: 'postgres', url }),
);
