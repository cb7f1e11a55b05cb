/**
 * Bad input kept out of the sync (docs/protocol.md, docs/security.md): a
 * rogue client with an agent's login sends malformed, schema-violating,
 * oversized and impostor messages on its own topics, and tries topics that
 * are not its own; strangers try wrong passwords, garbage bytes and another
 * agent's client id; a client with the hub's rights sends an agent malformed
 * commands, acks and desired states. Each is refused by the broker or counted
 * by whoever receives it, nobody crashes, and a well-behaved agent syncs
 * through it all exactly once.
 */
import { expect, it } from 'vitest';
import { type AgentTopicKind, agentTopic } from '../../protocol/topics.js';
import { invalidMessages, login, resumesSession, sendGarbage, Watcher } from './mqtt-clients.js';
import { FaultStand, forEachBroker, until } from './stand.js';

const now = () => new Date().toISOString();

/** What the rogue agent sends on its own topics; the hub counts each as invalid. */
const BAD_FROM_AGENT: Array<[AgentTopicKind, () => string]> = [
  ['events', () => 'not json at all'],
  ['events', () => JSON.stringify({ records: [] })],
  [
    'events',
    () => JSON.stringify({ records: [{ seq: 1, kind: 'log', at: now(), data: { pad: 'x'.repeat(1.1e6) } }] }),
  ],
  ['hello', () => JSON.stringify({ agentId: 42 })],
  ['hello', () => JSON.stringify(hello('gw-good'))],
  ['status', () => JSON.stringify({ state: 'maybe', since: now() })],
  ['reported', () => '[1, 2, 3]'],
];

/** What a client with the hub's rights sends the good agent; the agent counts each as invalid. */
const BAD_FROM_HUB: Array<[AgentTopicKind, () => string]> = [
  ['cmd', () => 'not json'],
  ['cmd', () => JSON.stringify({ id: 'bad-cmd', type: 'explode' })],
  ['cmd', () => JSON.stringify({ id: 'big-cmd', type: 'ping', labels: { pad: 'x'.repeat(1.1e6) } })],
  ['ack', () => 'nope'],
  ['ack', () => JSON.stringify({ seq: -5 })],
  ['desired', () => JSON.stringify({ generation: 'latest' })],
];

/** Well-formed messages that would do harm if the broker let them through; each carries the word `forged`. */
const forgedRun = (n: number) => ({
  id: `forged-cmd-${n}`,
  type: 'run',
  namespace: 'faults',
  flowId: 'burst',
  executionId: `forged-run-${n}`,
});
const forgedExecution = () => ({
  id: 'forged-execution',
  namespace: 'faults',
  flowId: 'burst',
  flowRevision: 1,
  state: 'SUCCESS',
  startDate: now(),
  labels: {},
});
const forgedDesired = () => ({ generation: 999, flows: [], publishedAt: now(), forged: true });
const forgedAck = { seq: 1e6, forged: true };

/** Another agent's topics, and the hub's topics of the rogue's own agent. */
const NOT_THE_ROGUES: Array<[string, () => object]> = [
  [
    agentTopic('gw-good', 'events'),
    () => ({ records: [{ seq: 1e6, kind: 'execution', at: now(), data: forgedExecution() }] }),
  ],
  [agentTopic('gw-good', 'cmd'), () => forgedRun(1)],
  [agentTopic('gw-good', 'status'), () => ({ state: 'offline', since: now(), version: 'forged' })],
  [agentTopic('gw-rogue', 'desired'), forgedDesired],
  [agentTopic('gw-rogue', 'ack'), () => forgedAck],
  [agentTopic('gw-rogue', 'cmd'), () => ({ id: 'forged-cmd-2', type: 'ping' })],
];

/** The hub's topics of the good agent, tried with its own (stolen) login. */
const HUB_ONLY: Array<[string, () => object]> = [
  [agentTopic('gw-good', 'ack'), () => forgedAck],
  [agentTopic('gw-good', 'desired'), forgedDesired],
  [agentTopic('gw-good', 'cmd'), () => forgedRun(3)],
];

forEachBroker('a rogue client', (broker) => {
  it('is refused or counted, crashes nothing, and a well-behaved agent syncs on exactly once', async () => {
    const stand = await FaultStand.open(broker, 'in-process');
    const good = await stand.startAgent('gw-good');
    const rogue = {
      url: stand.brokerUrl,
      username: 'gw-rogue',
      password: await stand.registerAgent('gw-rogue'),
    };
    await stand.deployBurst(good, 5, 'PT0.5S');
    const watcher = await Watcher.start(stand.privilegedLogin);
    // The attacks come while these run (their commands delivered: a stolen login may end the agent's session).
    const first = await stand.burst(good, 30);
    await until(async () => expect((await stand.hubProgress(good.id)).listed).toBe(30));

    const own = await login(rogue);
    for (const [kind, payload] of BAD_FROM_AGENT)
      await own.publishAsync(agentTopic('gw-rogue', kind), payload(), { qos: 1 });
    await own.endAsync();
    await until(async () =>
      expect(invalidMessages(await stand.api.metrics())).toEqual({
        events: 3,
        hello: 2,
        status: 1,
        reported: 1,
      }),
    );

    for (const [topic, message] of NOT_THE_ROGUES)
      expect(await watcher.attempt(rogue, topic, JSON.stringify(message())), topic).not.toBe('delivered');
    const thief = { url: stand.brokerUrl, username: 'gw-good', password: good.token };
    for (const [topic, message] of HUB_ONLY) {
      await until(async () => expect((await good.process.snapshot()).state).toBe('ACTIVE'));
      const { connects } = (await good.process.snapshot()).sync;
      expect(await watcher.attempt(thief, topic, JSON.stringify(message()), true), topic).not.toBe(
        'delivered',
      );
      // With Mosquitto a login is one client id: the thief pushes the agent out, and its clean session
      // ends the agent's. Until the agent is back and subscribed again, what the hub sends it is lost.
      if (broker === 'mosquitto')
        await until(async () =>
          expect((await good.process.snapshot()).sync.connects).toBeGreaterThan(connects),
        );
    }

    for (const wrong of [
      { username: 'gw-good', password: 'not-its-token' },
      { username: 'tern-hub', password: 'nope' },
      {},
    ])
      await expect(login({ url: stand.brokerUrl, ...wrong }), JSON.stringify(wrong)).rejects.toThrow();
    await sendGarbage(stand.brokerPort);
    const takeover = resumesSession({ ...rogue, clientId: 'gw-good' });
    if (broker === 'embedded') await expect(takeover).rejects.toThrow(/Identifier rejected/);
    else expect(await takeover, "the good agent's session, taken over").toBe(false);

    const hubLike = await login(stand.privilegedLogin);
    for (const [kind, payload] of BAD_FROM_HUB)
      await hubLike.publishAsync(agentTopic('gw-good', kind), payload(), { qos: 1 });
    await until(async () =>
      expect((await good.process.snapshot()).sync.invalidByKind).toEqual({ cmd: 3, ack: 2, desired: 1 }),
    );

    expect((await stand.api.call('GET', '/healthz')).status).toBe(200);
    await until(async () =>
      expect(await good.process.snapshot()).toMatchObject({ state: 'ACTIVE', applied: ['faults.burst'] }),
    );
    const second = await stand.burst(good, 30);
    await stand.waitSynced(good, 60);
    expect(watcher.saw('forged')).toEqual([]);
    await stand.expectExactlyOnce(good, [...first, ...second]);
  });
});

function hello(agentId: string) {
  return {
    agentId,
    version: '0.1.0',
    pluginTypes: [],
    labels: {},
    appliedHash: '',
    outbox: { highSeq: 0, ackedSeq: 0, depth: 0 },
    startedAt: now(),
  };
}
