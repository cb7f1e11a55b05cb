/**
 * A command is acknowledged to the broker only once the agent has taken it
 * and made it durable (docs/protocol.md, exactly once): until then the broker keeps
 * it in the agent's session and delivers it again after a reconnect, so an
 * agent that dies holding a command, or stops before taking it, loses nothing.
 */
import { join } from 'node:path';
import { afterEach, expect, it } from 'vitest';
import { DEFAULT_OUTBOX, DEFAULT_SYNC } from '../../agent/config.js';
import { openSqliteStore } from '../../agent/store/sqlite-store.js';
import { Outbox } from '../../agent/sync/outbox.js';
import { SyncClient } from '../../agent/sync/sync-client.js';
import { silentLogger } from '../../protocol/logger.js';
import type { Command } from '../../protocol/messages.js';
import { AGENT_ID, Cleanup, eventually, TEST_SYNC, TOKEN } from './harness.js';
import { brokerUrl, HubStandIn, tempDir, testBroker } from './hub-stand-in.js';

const cleanup = new Cleanup();
afterEach(() => cleanup.run());

/** A broker, the hub stand-in, and a sync client whose commands `onCommand` handles. */
async function setup(onCommand: (command: Command) => Promise<boolean>) {
  const broker = await testBroker({ [AGENT_ID]: TOKEN });
  cleanup.add(() => broker.close());
  const url = brokerUrl(broker);
  const hub = await HubStandIn.connect({ url, ...broker.hubCredentials, agentId: AGENT_ID });
  cleanup.add(() => hub.close());
  const dir = tempDir();
  const store = openSqliteStore({ path: join(dir, 'tern.db'), filesDir: join(dir, 'files'), outbox: true });
  cleanup.add(() => store.close());
  const outbox = new Outbox(store, DEFAULT_OUTBOX);
  cleanup.add(() => outbox.close());
  const client = new SyncClient({
    url,
    agentId: AGENT_ID,
    token: TOKEN,
    tuning: { ...DEFAULT_SYNC, ...TEST_SYNC },
    outbox,
    logger: silentLogger,
    hello: () => ({
      agentId: AGENT_ID,
      version: 'test',
      pluginTypes: [],
      labels: {},
      appliedHash: '',
      outbox: { highSeq: 0, ackedSeq: 0, depth: 0 },
      startedAt: new Date().toISOString(),
    }),
    status: () => ({}),
    onDesired: () => undefined,
    hubKeys: { open: () => ({ ok: false, reason: 'no desired state in these tests' }) },
    onCommand,
  });
  cleanup.add(() => client.close());
  client.start();
  await eventually(() => expect(client.state).toBe('ACTIVE'));
  /** Reconnects the client once everything it has sent so far (its PUBACKs included) has reached the broker. */
  const reconnect = async () => {
    const statuses = hub.status.length;
    client.publishStatus();
    await eventually(() => expect(hub.status.length).toBeGreaterThan(statuses));
    broker.endAgentSessions(AGENT_ID);
  };
  return { hub, client, reconnect };
}

it('delivers a command again after a reconnect until its handling has finished', async () => {
  const received: string[] = [];
  const finish: Array<() => void> = [];
  const { hub, reconnect } = await setup((command) => {
    received.push(command.id);
    return new Promise((resolve) => finish.push(() => resolve(true)));
  });

  await hub.command({ id: 'first', type: 'ping' });
  await eventually(() => expect(received).toEqual(['first']));
  // Still being handled when the connection goes: the broker has no PUBACK, so it sends it again.
  await reconnect();
  await eventually(() => expect(received).toEqual(['first', 'first']));

  for (const done of finish.splice(0)) done();
  await reconnect();
  // Handled now: after another reconnect only the next command arrives.
  await hub.command({ id: 'second', type: 'ping' });
  await eventually(() => expect(received).toEqual(['first', 'first', 'second']));
  for (const done of finish.splice(0)) done();
});

it('leaves a command it does not take unacknowledged, and goes on reading', async () => {
  const received: string[] = [];
  let taking = false;
  const { hub, reconnect } = await setup(async (command) => {
    received.push(command.id);
    return taking || command.id !== 'later';
  });

  await hub.command({ id: 'later', type: 'ping' });
  await hub.command({ id: 'next', type: 'ping' });
  await eventually(() => expect(received).toEqual(['later', 'next']));
  taking = true;
  await reconnect();
  await eventually(() => expect(received).toEqual(['later', 'next', 'later']));
});
