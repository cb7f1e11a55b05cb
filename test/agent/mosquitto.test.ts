/**
 * The same protocol through Mosquitto (TERN_TEST_MQTT_URL): the agent uses
 * MQTT 3.1.1 features only, so any broker works. Each test uses its own agent
 * id, since a shared broker keeps sessions and retained messages.
 */
import { afterEach, expect, it } from 'vitest';
import { describeWithService } from '../support/services.js';
import { arrival, Cleanup, command, eventually, startTestAgent } from './harness.js';
import { desired, HubStandIn, tempDir } from './hub-stand-in.js';

const cleanup = new Cleanup();
afterEach(() => cleanup.run());

describeWithService('TERN_TEST_MQTT_URL', 'agent sync through Mosquitto', (url) => {
  /** Credentials in the URL (mqtt://user:pass@host) are the stand-in's; the agent brings its own. */
  const endpoint = () => {
    const u = new URL(url);
    const creds = {
      username: decodeURIComponent(u.username) || undefined,
      password: decodeURIComponent(u.password) || undefined,
    };
    u.username = '';
    u.password = '';
    return { url: u.toString().replace(/\/$/, ''), creds };
  };

  async function setup() {
    const agentId = `gw-${Math.random().toString(36).slice(2, 10)}`;
    const { url: plain, creds } = endpoint();
    const hub = await HubStandIn.connect({ url: plain, ...creds, agentId });
    cleanup.add(async () => {
      // Leave nothing retained behind on a shared broker.
      await hub.publishRaw('desired', '', true);
      await hub.close();
    });
    const agent = await startTestAgent(cleanup, { id: agentId, hubUrl: plain, dataDir: tempDir() });
    await eventually(() => expect(hub.hello.length).toBe(1));
    return { hub, agent, agentId };
  }

  it('says hello and leaves an online status', async () => {
    const { hub, agentId } = await setup();
    expect(hub.hello[0]?.agentId).toBe(agentId);
    expect((await arrival(() => hub.status.at(-1))).value.state).toBe('online');
  });

  it('runs a command and delivers its records in seq order, trimmed once acked', async () => {
    const { hub, agent } = await setup();
    await hub.desire(desired(1, [{ id: 'hello' }]));
    await eventually(() => expect(hub.reported.length).toBe(1));
    const answer = await command(hub, {
      type: 'run',
      namespace: 'test',
      flowId: 'hello',
      executionId: 'ex-m',
    });
    await agent.engine.wait('ex-m');
    await agent.store.flush();
    const high = agent.outboxStats().highSeq;
    await eventually(() => expect(agent.outboxStats()).toMatchObject({ depth: 0, ackedSeq: high }));
    expect(answer.ok).toBe(true);
    expect(hub.stored().map((r) => r.seq)).toEqual(Array.from({ length: high }, (_, i) => i + 1));
  });

  it('counts and ignores a malformed command', async () => {
    const { hub, agent } = await setup();
    await hub.command('not json');
    await eventually(() => expect(agent.syncStats()?.invalidByKind.cmd).toBe(1));
    expect((await command(hub, { type: 'ping' })).ok).toBe(true);
  });
});
