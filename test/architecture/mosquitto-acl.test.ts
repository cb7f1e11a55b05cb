/** deploy/mosquitto/tern.acl restates who publishes each agent topic for Mosquitto: it must say what protocol/topics.ts says. */
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  AGENT_TOPIC_DIRECTIONS,
  AGENT_TOPIC_KINDS,
  AGENTS_TOPIC_ROOT,
  SHARED_DATA_PREFIX,
} from '../../protocol/topics.js';

const ACL = resolve(import.meta.dirname, '../../deploy/mosquitto/tern.acl');

/** The ACL's rules, one `access topic` string per line, comments and blank lines left out, by the user they apply to. */
function rules(text: string): { patterns: string[]; users: Map<string, string[]> } {
  const patterns: string[] = [];
  const users = new Map<string, string[]>();
  let user: string[] | undefined;
  for (const line of text.split('\n').map((l) => l.trim())) {
    if (line === '' || line.startsWith('#')) continue;
    const [keyword, ...rest] = line.split(/\s+/);
    if (keyword === 'user') {
      user = [];
      users.set(rest[0]!, user);
    } else if (keyword === 'pattern') patterns.push(rest.join(' '));
    else if (keyword === 'topic' && user) user.push(rest.join(' '));
    else throw new Error(`tern.acl: unexpected line '${line}'`);
  }
  return { patterns, users };
}

describe('deploy/mosquitto/tern.acl', () => {
  const acl = rules(readFileSync(ACL, 'utf8'));

  it('lets an agent write its own agent-to-hub topics and read its own hub-to-agent ones, nothing else of its own', () => {
    const expected = AGENT_TOPIC_KINDS.map(
      (kind) =>
        `${AGENT_TOPIC_DIRECTIONS[kind] === 'agent-to-hub' ? 'write' : 'read'} ${AGENTS_TOPIC_ROOT}%u/${kind}`,
    );
    const own = acl.patterns.filter((p) => p.split(' ')[1]!.startsWith(AGENTS_TOPIC_ROOT));
    expect(own.sort()).toEqual(expected.sort());
  });

  it('lets every agent read and write the shared data topics', () => {
    const others = acl.patterns.filter((p) => !p.split(' ')[1]!.startsWith(AGENTS_TOPIC_ROOT));
    expect(others).toEqual([`readwrite ${SHARED_DATA_PREFIX}#`]);
  });

  it("gives the hub's user every agent's topics", () => {
    expect([...acl.users]).toEqual([['tern-hub', [`readwrite ${AGENTS_TOPIC_ROOT}#`]]]);
  });
});
