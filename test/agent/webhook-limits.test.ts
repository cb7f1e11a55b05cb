/** An agent's webhook listener holds back addresses that fail too often, and skips keys too short to be secrets. */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Agent, startAgent } from '../../agent/agent.js';

const KEY = 'front-door-key-0123';

const flow = (id: string, key: string) => `id: ${id}
namespace: site
triggers:
  - id: bell
    type: webhook
    key: ${key}
tasks:
  - id: open
    type: log
    message: opened
`;

let root: string;
let agent: Agent;

beforeAll(async () => {
  root = mkdtempSync(join(tmpdir(), 'tern-agent-webhook-limits-'));
  mkdirSync(join(root, 'flows'));
  writeFileSync(join(root, 'flows', 'door.yml'), flow('door', KEY));
  // A flow written before keys had a minimum length: the agent still loads it.
  writeFileSync(join(root, 'flows', 'shed.yml'), flow('shed', 'shed'));
  agent = await startAgent({
    id: 'gate',
    flowsDir: join(root, 'flows'),
    dataDir: join(root, 'data'),
    http: { port: 0 },
  });
});

afterAll(async () => {
  await agent?.close();
  rmSync(root, { recursive: true, force: true });
});

const hook = (path: string) =>
  fetch(`${agent.http!.url}/api/v1/executions/webhook/${path}`, { method: 'POST' });

describe('agent webhook limits', () => {
  it('loads a flow whose key is shorter than 16 characters, but answers 404 to its webhook', async () => {
    expect(agent.flows().map((r) => r.flow.id)).toContain('shed');
    const res = await hook('site/shed/shed');
    expect(res.status).toBe(404);
  });

  it('never holds back calls that succeed', async () => {
    for (let i = 0; i < 25; i++) expect((await hook(`site/door/${KEY}`)).status).toBe(200);
  });

  it('answers 429 with Retry-After once an address has failed 20 times, the right key included', async () => {
    // The short-key call above counted as one failure.
    for (let i = 0; i < 19; i++) expect((await hook(`site/door/guess-${i}`)).status).toBe(404);
    const blocked = await hook('site/door/guess-19');
    expect(blocked.status).toBe(429);
    expect(Number(blocked.headers.get('retry-after'))).toBeGreaterThan(0);
    expect(((await blocked.json()) as { error: { code: string } }).error.code).toBe('TOO_MANY_REQUESTS');
    expect((await hook(`site/door/${KEY}`)).status).toBe(429);
  });
});
