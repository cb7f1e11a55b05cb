/** Agent topic builders and parsers. */
import { describe, expect, it } from 'vitest';
import {
  AGENT_TOPIC_DIRECTIONS,
  AGENT_TOPIC_KINDS,
  agentTopic,
  agentTopicPrefix,
  allAgentsTopicFilter,
  isValidAgentId,
  parseAgentTopic,
} from './topics.js';

describe('agent topics', () => {
  it('builds a topic under the agent prefix', () => {
    expect(agentTopic('gw-01', 'events')).toBe('tern/v1/agents/gw-01/events');
  });

  it('parses every kind it builds back into the same agent and kind', () => {
    for (const kind of AGENT_TOPIC_KINDS) {
      expect(parseAgentTopic(agentTopic('plant1.gw_2', kind))).toEqual({ agentId: 'plant1.gw_2', kind });
    }
  });

  it('gives no parse for an unknown kind', () => {
    expect(parseAgentTopic('tern/v1/agents/gw-01/secrets')).toBeUndefined();
  });

  it('gives no parse for a topic with extra levels', () => {
    expect(parseAgentTopic('tern/v1/agents/gw-01/events/extra')).toBeUndefined();
  });

  it('gives no parse for a topic outside the agents root', () => {
    expect(parseAgentTopic('tern/v1/data/gw-01/events')).toBeUndefined();
  });

  it('gives no parse for a wildcard in the agent level', () => {
    expect(parseAgentTopic('tern/v1/agents/+/events')).toBeUndefined();
  });

  it('refuses to build a topic for an id holding an MQTT wildcard or separator', () => {
    for (const bad of ['a/b', 'a+', '#', '', '-leading']) {
      expect(() => agentTopic(bad, 'hello'), bad).toThrow(/not a valid agent id/);
    }
  });

  it('accepts ids made of letters, digits, dots, underscores and dashes', () => {
    expect(isValidAgentId('Gw-01.site_a')).toBe(true);
  });

  it('ends the agent prefix with a slash so one id is never a prefix of another', () => {
    expect(agentTopicPrefix('gw-1')).toBe('tern/v1/agents/gw-1/');
    expect(agentTopic('gw-10', 'hello').startsWith(agentTopicPrefix('gw-1'))).toBe(false);
  });

  it('builds the filter the hub uses to hear one kind from every agent', () => {
    expect(allAgentsTopicFilter('hello')).toBe('tern/v1/agents/+/hello');
  });

  it('has the hub publish only desired, ack and cmd', () => {
    const fromHub = AGENT_TOPIC_KINDS.filter((k) => AGENT_TOPIC_DIRECTIONS[k] === 'hub-to-agent');
    expect(fromHub).toEqual(['desired', 'ack', 'cmd']);
  });
});
