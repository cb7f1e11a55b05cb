/** Topic access rules for the hub and for agents. */
import { describe, expect, it } from 'vitest';
import { topicMatches } from '../../plugins/mqtt/topics.js';
import {
  agentGrants,
  type BrokerIdentity,
  clientIdBelongsTo,
  createAccessPolicy,
  normaliseSharedPrefix,
} from './access.js';

const policy = createAccessPolicy('tern/v1/data/');
const hub: BrokerIdentity = { kind: 'hub' };
const gw1: BrokerIdentity = { kind: 'agent', agentId: 'gw-1' };

describe('agent publish rules', () => {
  it('allows its own agent-to-hub topics', () => {
    for (const kind of ['hello', 'status', 'reported', 'events'])
      expect(policy.mayPublish(gw1, `tern/v1/agents/gw-1/${kind}`), kind).toBe(true);
  });

  it("denies the hub's topics, even its own", () => {
    for (const kind of ['desired', 'ack', 'cmd'])
      expect(policy.mayPublish(gw1, `tern/v1/agents/gw-1/${kind}`), kind).toBe(false);
  });

  it('denies other topics below its own prefix', () => {
    expect(policy.mayPublish(gw1, 'tern/v1/agents/gw-1/events/extra')).toBe(false);
  });

  it('denies an agent whose id is a prefix of the owner', () => {
    expect(policy.mayPublish(gw1, 'tern/v1/agents/gw-10/events')).toBe(false);
  });

  it('denies the bare prefix without a topic below it', () => {
    expect(policy.mayPublish(gw1, 'tern/v1/agents/gw-1/')).toBe(false);
  });

  it('allows topics below the shared prefix', () => {
    expect(policy.mayPublish(gw1, 'tern/v1/data/line1/temp')).toBe(true);
  });

  it('denies system topics', () => {
    expect(policy.mayPublish(gw1, '$SYS/broker/x')).toBe(false);
  });
});

describe('agent subscribe rules', () => {
  it('allows # below its own prefix', () => {
    expect(policy.maySubscribe(gw1, 'tern/v1/agents/gw-1/#')).toBe(true);
  });

  it('allows + below the shared prefix', () => {
    expect(policy.maySubscribe(gw1, 'tern/v1/data/+/temp')).toBe(true);
  });

  it('denies filters whose wildcards reach other agents', () => {
    for (const filter of [
      '#',
      'tern/#',
      'tern/v1/agents/#',
      'tern/v1/agents/+/cmd',
      '+/v1/agents/gw-1/cmd',
    ]) {
      expect(policy.maySubscribe(gw1, filter), filter).toBe(false);
    }
  });

  it('denies shared-subscription filters', () => {
    expect(policy.maySubscribe(gw1, '$share/g/tern/v1/agents/gw-1/cmd')).toBe(false);
  });
});

describe('hub rules', () => {
  it('allows the hub every topic and filter', () => {
    expect(policy.mayPublish(hub, 'anything/at/all')).toBe(true);
    expect(policy.maySubscribe(hub, '#')).toBe(true);
  });
});

describe('client ids', () => {
  it("accepts the agent id and the agent id with a ':' suffix", () => {
    expect(clientIdBelongsTo('gw-1', 'gw-1')).toBe(true);
    expect(clientIdBelongsTo('gw-1', 'gw-1:sync')).toBe(true);
  });

  it('rejects an id that only starts with the agent id', () => {
    expect(clientIdBelongsTo('gw-1', 'gw-10')).toBe(false);
  });
});

describe('shared prefix', () => {
  it('adds the trailing slash', () => {
    expect(normaliseSharedPrefix('site/data')).toBe('site/data/');
  });

  it('refuses wildcards', () => {
    expect(() => normaliseSharedPrefix('site/+/data')).toThrow(/wildcards/);
  });

  it("refuses a prefix that contains the agents' topics", () => {
    expect(() => normaliseSharedPrefix('tern/')).toThrow(/overlaps/);
  });
});

describe('agent grants as filters', () => {
  const grants = agentGrants('gw-1', 'tern/v1/data/');
  // Topics on either side of every rule; the policy and the filters must agree on each.
  const samples = [
    ...['hello', 'status', 'reported', 'events', 'desired', 'ack', 'cmd'].map(
      (k) => `tern/v1/agents/gw-1/${k}`,
    ),
    'tern/v1/agents/gw-1/events/extra',
    'tern/v1/agents/gw-10/events',
    'tern/v1/agents/gw-2/desired',
    'tern/v1/data/line1/temp',
    'tern/v1/other',
  ];

  it('allow to publish exactly what the policy allows', () => {
    for (const topic of samples)
      expect(
        grants.publish.some((f) => topicMatches(f, topic)),
        topic,
      ).toBe(policy.mayPublish(gw1, topic));
  });

  it('allow to subscribe exactly what the policy allows', () => {
    for (const topic of [...samples, 'tern/v1/agents/gw-1/#', 'tern/v1/agents/+/desired', 'tern/v1/data/#'])
      expect(
        grants.subscribe.some((f) => topicMatches(f, topic)),
        topic,
      ).toBe(policy.maySubscribe(gw1, topic));
  });
});
