/** An agent serving its flows' webhooks over real HTTP (`tern agent --http-port`), as the hub does. */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Agent, startAgent } from '../../agent/agent.js';
import { agentInput } from '../../cli/commands/agent.js';
import type { Execution } from '../../protocol/execution.js';
import { MAX_JSON_DEPTH } from '../../protocol/json-depth.js';

const FLOW = `id: door
namespace: site
inputs:
  - id: who
    type: STRING
    defaults: nobody
outputs:
  - id: answer
    type: STRING
    value: "welcome {{ inputs.who }}"
triggers:
  - id: bell
    type: webhook
    key: ring-ring-ring-ring
    inputs:
      who: "{{ trigger.query.who ?? 'nobody' }}"
  - id: intercom
    type: webhook
    key: talk-to-me-talk-to-me
    wait: true
    returnOutputs: true
    inputs:
      who: "{{ trigger.body.name }}"
tasks:
  - id: open
    type: log
    message: "{{ inputs.who }} at the door"
`;

let root: string;
let agent: Agent;

beforeAll(async () => {
  root = mkdtempSync(join(tmpdir(), 'tern-agent-webhook-'));
  mkdirSync(join(root, 'flows'));
  writeFileSync(join(root, 'flows', 'door.yml'), FLOW);
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

const hook = (path: string, init?: RequestInit) =>
  fetch(`${agent.http!.url}/api/v1/executions/webhook/${path}`, init);

describe('agent webhooks', () => {
  it('listen on loopback unless told otherwise', () => {
    expect(agent.http?.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
  });

  it('start the flow with method, body, headers and query in trigger, and answer with the execution', async () => {
    const res = await hook('site/door/ring-ring-ring-ring?who=Ada', {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-visitor': 'courier' },
      body: JSON.stringify({ parcel: 3 }),
    });
    expect(res.status).toBe(200);
    const execution = (await res.json()) as Execution;
    expect(execution).toMatchObject({
      namespace: 'site',
      flowId: 'door',
      agentId: 'gate',
      inputs: { who: 'Ada' },
    });
    expect(execution.trigger).toMatchObject({
      method: 'POST',
      body: { parcel: 3 },
      query: { who: 'Ada' },
      headers: { 'x-visitor': 'courier' },
    });
    const ended = await agent.engine.wait(execution.id);
    expect(ended.state).toBe('SUCCESS');
  });

  it('never store the credential headers of the call', async () => {
    const credentials = {
      authorization: 'Bearer agent-bearer-1234',
      cookie: 'sid=agent-cookie-5678',
      'proxy-authorization': 'Basic YWdlbnQtcHJveHk=',
      'x-api-key': 'agent-api-key-9012',
    };
    const res = await hook('site/door/ring-ring-ring-ring?who=Ada', {
      method: 'POST',
      headers: { ...credentials, 'x-visitor': 'courier' },
    });
    expect(res.status).toBe(200);
    const execution = (await res.json()) as Execution;
    await agent.engine.wait(execution.id);
    await agent.store.flush();
    const stored = await agent.store.getExecution(execution.id);
    expect(stored?.execution.trigger?.headers).toMatchObject({ 'x-visitor': 'courier' });
    for (const name of Object.keys(credentials))
      expect(stored?.execution.trigger?.headers).not.toHaveProperty(name);
    const text = JSON.stringify([execution, stored]);
    for (const value of Object.values(credentials)) expect(text).not.toContain(value);
  });

  it('with wait and returnOutputs answers with the flow outputs once it has ended', async () => {
    const res = await hook('site/door/talk-to-me-talk-to-me', {
      method: 'PUT',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ name: 'Grace' }),
    });
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ answer: 'welcome Grace' });
  });

  it('answer 404 for a wrong key or an unknown flow, and start nothing', async () => {
    const before = agent.engine.activeCount;
    for (const path of ['site/door/wrong', 'site/nope/ring-ring-ring-ring']) {
      const res = await hook(path, { method: 'POST' });
      expect(res.status).toBe(404);
      expect(((await res.json()) as { error: { code: string } }).error.code).toBe('NOT_FOUND');
    }
    expect(agent.engine.activeCount).toBe(before);
  });

  it('answer 400 for a JSON body that does not parse', async () => {
    const res = await hook('site/door/ring-ring-ring-ring', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: '{"parcel":',
    });
    expect(res.status).toBe(400);
  });

  it('answer 400 for a JSON body nested too deep, and go on answering', async () => {
    const deep = await hook('site/door/ring-ring-ring-ring', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: `${'['.repeat(400_000)}${']'.repeat(400_000)}`,
    });
    expect(deep.status).toBe(400);
    expect(await deep.json()).toMatchObject({
      error: { message: `the body is nested more than ${MAX_JSON_DEPTH} levels deep` },
    });
    expect((await hook('site/door/ring-ring-ring-ring?who=Bo', { method: 'POST' })).status).toBe(200);
  });
});

describe('tern agent --http-port', () => {
  it('passes the port and host to the agent, and refuses what is not a port', () => {
    expect(agentInput({ flows: 'f', httpPort: '8081', httpHost: '0.0.0.0' }).http).toEqual({
      port: 8081,
      host: '0.0.0.0',
    });
    expect(() => agentInput({ flows: 'f', httpPort: 'eighty' })).toThrow(
      /--http-port: 'eighty' is not a TCP port/,
    );
    expect(() => agentInput({ flows: 'f', httpHost: '0.0.0.0' })).toThrow(/--http-host needs --http-port/);
  });
});
