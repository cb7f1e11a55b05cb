/**
 * Signed desired state, end to end: the real hub (PGlite) on its embedded broker and on a private
 * Mosquitto, real agents, and a raw MQTT client holding a hub login. Agents apply what the hub signs,
 * refuse what anyone else publishes (and keep their flows), and follow key rotations, also when away
 * for a whole rotation.
 */
import { generateKeyPairSync } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import mqtt, { type MqttClient } from 'mqtt';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { type Agent, startAgent } from '../../agent/agent.js';
import type { Hub } from '../../hub/hub.js';
import type { Desired } from '../../protocol/messages.js';
import { keyFingerprint, publicKeyText, signDocument } from '../../protocol/signing.js';
import { agentTopic } from '../../protocol/topics.js';
import { apiCaller, startTestHub } from '../support/hub-api.js';
import { type LogEntry, memoryLogger } from '../support/logger.js';
import { PrivateMosquitto } from '../support/mosquitto.js';
import { describeWithService } from '../support/services.js';

const ADMIN = 'tern_signed_desired_admin_token_0123456789';
const eventually = <T>(check: () => T) => vi.waitFor(check, { timeout: 20_000, interval: 20 });

const flowYaml = (id: string, agents: string[], message = 'hello') =>
  `id: ${id}\nnamespace: signed\nrunsOn: {agents: [${agents.join(', ')}]}\ntasks:\n  - id: say\n    type: log\n    message: ${message}\n`;

/** A broker for the hub and its agents, and a login with the hub's rights on agent topics (leaked, in these tests). */
interface Stand {
  hub: Hub;
  agentUrl: string;
  leakedLogin: { username: string; password: string };
  /** Lets an agent log in to the broker (Mosquitto reads a password file). */
  admit(agentId: string, token: string): Promise<void>;
  close(): Promise<void>;
}

async function embeddedStand(root: string): Promise<Stand> {
  const hub = await startTestHub(join(root, 'hub'), ADMIN);
  return {
    hub,
    agentUrl: `mqtt://127.0.0.1:${hub.mqttPort}`,
    leakedLogin: hub.brokerCredentials!,
    admit: async () => undefined,
    close: () => hub.close(),
  };
}

async function mosquittoStand(root: string): Promise<Stand> {
  const leakedLogin = { username: 'ops-leaked', password: 'ops-leaked-password' };
  const mosquitto = await PrivateMosquitto.start({
    dir: join(root, 'mosquitto'),
    hubPassword: 'hub-secret',
    operators: [leakedLogin],
  });
  const hub = await startTestHub(join(root, 'hub'), ADMIN, { brokerUrl: mosquitto.hubUrl });
  return {
    hub,
    agentUrl: mosquitto.url,
    leakedLogin,
    admit: (agentId, token) => mosquitto.addUser(agentId, token),
    close: async () => {
      await hub.close();
      await mosquitto.stop();
    },
  };
}

describe('signed desired state on the embedded broker', () => signedSuite(embeddedStand));
describeWithService('TERN_TEST_MQTT_URL', 'signed desired state on Mosquitto', () =>
  signedSuite(mosquittoStand),
);

function signedSuite(open: (root: string) => Promise<Stand>): void {
  const root = mkdtempSync(join(tmpdir(), 'tern-signed-'));
  let stand: Stand;
  const running: Agent[] = [];
  const clients: MqttClient[] = [];
  const call = (...args: Parameters<ReturnType<typeof apiCaller>>) =>
    apiCaller(stand.hub.url, ADMIN)(...args);

  beforeAll(async () => {
    stand = await open(root);
  }, 60_000);
  afterEach(async () => {
    for (const c of clients.splice(0)) await c.endAsync(true);
    for (const a of running.splice(0)) await a.close();
  });
  afterAll(async () => {
    await stand?.close();
    rmSync(root, { recursive: true, force: true });
  });

  /** Registers an agent; its token and the hub key the registration gave. */
  async function register(id: string): Promise<{ token: string; hubKey: string }> {
    const res = await call('POST', '/agents', { json: { id } });
    expect(res.status).toBe(201);
    await stand.admit(id, res.body.token);
    return res.body;
  }

  async function start(
    id: string,
    login: { token: string; hubKey?: string },
    logs: LogEntry[] = [],
  ): Promise<Agent> {
    const agent = await startAgent({
      id,
      hubUrl: stand.agentUrl,
      token: login.token,
      ...(login.hubKey && { hubKey: login.hubKey }),
      dataDir: join(root, id),
      sync: { reconnectMinMs: 20, reconnectMaxMs: 200, lingerMs: 1 },
      logger: memoryLogger(logs),
    });
    running.push(agent);
    return agent;
  }

  const flowIds = (agent: Agent) =>
    agent
      .flows()
      .map((f) => `${f.flow.id}@${f.revision}`)
      .sort();

  async function leakedClient(): Promise<MqttClient> {
    const client = await mqtt.connectAsync(stand.agentUrl, {
      ...stand.leakedLogin,
      clientId: `leaked-${Math.random().toString(36).slice(2)}`,
      reconnectPeriod: 0,
      protocolVersion: 4,
    });
    clients.push(client);
    return client;
  }

  it('gives the agent the key at registration, and the agent applies what the hub signs', async () => {
    const login = await register('gw-signed');
    expect(login.hubKey).toBe((await call('GET', '/signing-keys')).body.current);
    expect((await call('POST', '/flows', { yaml: flowYaml('greet', ['gw-signed']) })).status).toBe(201);
    const agent = await start('gw-signed', login);
    await eventually(() => expect(flowIds(agent)).toEqual(['greet@1']));
    expect(agent.hubKeys()).toEqual([login.hubKey]);
    expect(agent.syncStats()!.refusedSignatures).toBe(0);
  });

  it('refuses desired states published by anyone but the hub, says why, and keeps running its flows', async () => {
    const login = await register('gw-target');
    const other = await register('gw-other');
    expect((await call('POST', '/flows', { yaml: flowYaml('kept', ['gw-target']) })).status).toBe(201);
    expect((await call('POST', '/flows', { yaml: flowYaml('theirs', ['gw-other']) })).status).toBe(201);
    const logs: LogEntry[] = [];
    const agent = await start('gw-target', login, logs);
    await eventually(() => expect(flowIds(agent)).toEqual(['kept@1']));

    const leaked = await leakedClient();
    // The hub's own signed document for another agent, as the broker holds it.
    const captured = new Promise<Buffer>((resolve) =>
      leaked.once('message', (_t, payload) => resolve(payload)),
    );
    await leaked.subscribeAsync(agentTopic('gw-other', 'desired'), { qos: 1 });
    const theirs = await captured;
    const forged: Desired = {
      generation: 99,
      flows: [
        {
          namespace: 'signed',
          id: 'forged',
          revision: 1,
          hash: 'x',
          source: flowYaml('forged', ['gw-target']),
        },
      ],
      publishedAt: new Date().toISOString(),
    };
    const forgedBytes = Buffer.from(JSON.stringify(forged));
    const topic = agentTopic('gw-target', 'desired');
    const { privateKey, publicKey } = generateKeyPairSync('ed25519');
    const otherKey = { privateKey, publicKey: publicKeyText(publicKey), endorsements: [] };
    for (const payload of [forgedBytes, signDocument(forgedBytes, topic, otherKey), theirs])
      await leaked.publishAsync(topic, payload, { qos: 1, retain: true });

    await eventually(() => expect(agent.syncStats()!.refusedSignatures).toBe(3));
    expect(flowIds(agent)).toEqual(['kept@1']);
    const reasons = logs
      .filter((l) => l.level === 'error' && l.fields.kind === 'desired')
      .map((l) => l.fields.reason);
    expect(reasons).toEqual([
      'unsigned: no signature line before the payload',
      expect.stringMatching(
        /^signed by key [0-9a-f]{16}, which this agent does not trust \(it trusts [0-9a-f]{16}\)$/,
      ),
      expect.stringMatching(
        /^bad signature: the payload was not signed by key [0-9a-f]{16} for tern\/v1\/agents\/gw-target\/desired$/,
      ),
    ]);
    expect((await agent.engine.run(agent.flows()[0]!)).state).toBe('SUCCESS');

    // The hub's next desired state goes through as before.
    expect(
      (await call('PUT', '/flows/signed/kept', { yaml: flowYaml('kept', ['gw-target'], 'again') })).status,
    ).toBe(200);
    await eventually(() => expect(flowIds(agent)).toEqual(['kept@2']));
    expect(other.hubKey).toBe(login.hubKey);
  });

  it('trusts the first key it sees when given none (an agent from before signing), and no other from then on', async () => {
    const { token, hubKey } = await register('gw-tofu');
    expect((await call('POST', '/flows', { yaml: flowYaml('first-use', ['gw-tofu']) })).status).toBe(201);
    const logs: LogEntry[] = [];
    const agent = await start('gw-tofu', { token }, logs);
    await eventually(() => expect(flowIds(agent)).toEqual(['first-use@1']));
    expect(agent.hubKeys()).toEqual([hubKey]);
    expect(logs.some((l) => l.level === 'warn' && /on first use/.test(l.message))).toBe(true);

    const { privateKey, publicKey } = generateKeyPairSync('ed25519');
    const topic = agentTopic('gw-tofu', 'desired');
    const forged = Buffer.from(
      JSON.stringify({ generation: 50, flows: [], publishedAt: new Date().toISOString() }),
    );
    const signed = signDocument(forged, topic, {
      privateKey,
      publicKey: publicKeyText(publicKey),
      endorsements: [],
    });
    await (await leakedClient()).publishAsync(topic, signed, { qos: 1 });
    await eventually(() => expect(agent.syncStats()!.refusedSignatures).toBe(1));
    expect(flowIds(agent)).toEqual(['first-use@1']);
  });

  it('rotates the key: an online agent trusts both during the overlap, and one away for two whole rotations follows them', async () => {
    const stay = await register('gw-stay');
    const away = await register('gw-away');
    expect(
      (await call('POST', '/flows', { yaml: flowYaml('rotating', ['gw-stay', 'gw-away']) })).status,
    ).toBe(201);
    const online = await start('gw-stay', stay);
    let offline = await start('gw-away', away);
    await eventually(() => expect(flowIds(offline)).toEqual(['rotating@1']));
    await offline.close();
    running.splice(running.indexOf(offline), 1);

    const first = stay.hubKey;
    const begun = await call('POST', '/signing-keys/next');
    expect(begun.status).toBe(200);
    const second = begun.body.next as string;
    expect(begun.body.current).toBe(first);
    await eventually(() => expect(online.hubKeys()).toEqual([first, second]));
    const promoted = await call('POST', '/signing-keys/next/promote');
    expect(promoted.body).toMatchObject({ current: second });
    expect(promoted.body.next).toBeUndefined();
    await eventually(() => expect(online.hubKeys()).toEqual([second]));

    const third = (await call('POST', '/signing-keys/next')).body.next as string;
    expect((await call('POST', '/signing-keys/next/promote')).body.current).toBe(third);
    await eventually(() => expect(online.hubKeys()).toEqual([third]));
    expect((await call('POST', '/signing-keys/next/promote')).status).toBe(409);
    const states = (await call('GET', '/signing-keys')).body.keys.map((k: { state: string }) => k.state);
    expect(states).toEqual(['retired', 'retired', 'current']);

    expect(
      (
        await call('PUT', '/flows/signed/rotating', {
          yaml: flowYaml('rotating', ['gw-stay', 'gw-away'], 'v2'),
        })
      ).status,
    ).toBe(200);
    await eventually(() => expect(flowIds(online)).toEqual(['rotating@2']));
    // Back with the key it was registered with: the chain of endorsements carries it to the third key.
    const awayLogs: LogEntry[] = [];
    offline = await start('gw-away', away, awayLogs);
    await eventually(() => expect(flowIds(offline)).toEqual(['rotating@2']));
    expect(offline.hubKeys()).toEqual([third]);
    // A broker may hand over the session's queued older documents after the retained newest one (aedes
    // does): those signed by a key the agent has moved past are refused, and nothing else is.
    const refusedKeys = awayLogs
      .filter((l) => l.message.startsWith('desired state refused'))
      .map((l) => /signed by key (\w+)/.exec(String(l.fields.reason))?.[1]);
    expect(refusedKeys.length).toBe(offline.syncStats()!.refusedSignatures);
    for (const key of refusedKeys) expect([keyFingerprint(first), keyFingerprint(second)]).toContain(key);
  });
}
