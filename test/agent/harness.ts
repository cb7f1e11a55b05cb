/** Sets up an embedded broker, the hub stand-in and an agent for one test, and tears them down after it. */
import { expect, vi } from 'vitest';
import { type Agent, startAgent } from '../../agent/agent.js';
import type { AgentOptionsInput } from '../../agent/config.js';
import type { Broker } from '../../hub/broker/broker.js';
import type { Command } from '../../protocol/messages.js';
import { brokerUrl, HubStandIn, type StandInOptions, tempDir, testBroker } from './hub-stand-in.js';

export const AGENT_ID = 'gw-01';
export const TOKEN = 'gw-01-secret';

/** Fast reconnects and batches for tests; everything else as in production. */
export const TEST_SYNC = { reconnectMinMs: 20, reconnectMaxMs: 200, lingerMs: 1 };

export interface Rig {
  broker: Broker;
  hub: HubStandIn;
  agent: Agent;
  dataDir: string;
  url: string;
}

/** Things to close after each test, newest first. */
export class Cleanup {
  private readonly steps: Array<() => Promise<unknown> | unknown> = [];

  add(step: () => Promise<unknown> | unknown): void {
    this.steps.push(step);
  }

  async run(): Promise<void> {
    for (const step of this.steps.splice(0).reverse()) {
      try {
        await step();
      } catch {
        // Tear-down goes on: one stuck resource must not keep the others open.
      }
    }
  }
}

/** Starts a broker, the stand-in and an agent connected to both, and waits for the agent's hello. */
export async function rig(
  cleanup: Cleanup,
  agentOptions: Partial<AgentOptionsInput> = {},
  hubOptions: Partial<StandInOptions> = {},
): Promise<Rig> {
  const broker = await testBroker({ [AGENT_ID]: TOKEN });
  cleanup.add(() => broker.close());
  const url = brokerUrl(broker);
  const hub = await HubStandIn.connect({ url, ...broker.hubCredentials, agentId: AGENT_ID, ...hubOptions });
  cleanup.add(() => hub.close());
  const dataDir = agentOptions.dataDir ?? tempDir();
  const agent = await startTestAgent(cleanup, { hubUrl: url, dataDir, ...agentOptions });
  await eventually(() => expect(hub.hello.length).toBeGreaterThan(0));
  return { broker, hub, agent, dataDir, url };
}

export async function startTestAgent(cleanup: Cleanup, options: Partial<AgentOptionsInput>): Promise<Agent> {
  const agent = await startAgent({
    id: AGENT_ID,
    token: TOKEN,
    labels: { site: 'plant1' },
    closeGraceMs: 5000,
    ...options,
    sync: { ...TEST_SYNC, ...options.sync },
  });
  cleanup.add(async () => {
    await agent.engine.idle();
    await agent.close();
  });
  return agent;
}

/**
 * Waits for `check` to pass. Generous: the first flow parsed in a process
 * compiles the flow schema, which takes a while on a slow machine.
 */
export function eventually<T>(check: () => T | Promise<T>, timeout = 10_000): Promise<T> {
  return vi.waitFor(check, { timeout, interval: 5 });
}

/** Waits until `get` returns something, and returns it. */
export function arrival<T>(get: () => T | undefined): Promise<T> {
  return eventually(() => {
    const value = get();
    expect(value).toBeDefined();
    return value as T;
  });
}

let commandCount = 0;

/** Sends a command and waits for its answer to arrive as an event record. */
export async function command(hub: HubStandIn, c: Omit<Command, 'id'>): Promise<Record<string, unknown>> {
  const id = `cmd-${++commandCount}`;
  await hub.command({ id, ...c } as Command);
  return arrival(() => hub.answers().get(id));
}

/**
 * Makes the agent drain what it can now, then publish a status behind it: once
 * that status arrives, every batch the agent was willing to send has arrived.
 */
export async function settle(r: Rig): Promise<void> {
  await r.agent.engine.idle();
  await r.agent.store.flush();
  const seen = r.hub.status.length;
  r.agent.sync!.pump();
  r.agent.sync!.publishStatus();
  await eventually(() => expect(r.hub.status.length).toBeGreaterThan(seen));
}
