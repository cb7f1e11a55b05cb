/**
 * The triggers of a flow over real HTTP: their state on the hub and on agents
 * in `GET /flows/{namespace}/{id}`, and disabling one with
 * `PUT /flows/{namespace}/{id}/triggers/{triggerId}`. The real hub (embedded
 * broker, fleet, trigger runtime) on PGlite, and on PostgreSQL when
 * TERN_TEST_PG_URL is set.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import mqtt, { type MqttClient } from 'mqtt';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { parse } from 'yaml';
import { withTriggerDisabled } from '../../hub/api/flow-triggers.js';
import type { Hub } from '../../hub/hub.js';
import type { Status, TriggerStatus } from '../../protocol/messages.js';
import { agentTopic } from '../../protocol/topics.js';
import { type ApiResponse, apiCaller, type CallOptions, startTestHub } from '../support/hub-api.js';
import { type FreshDatabase, freshDatabase } from '../support/postgres.js';
import { describeWithService } from '../support/services.js';

const ADMIN = 'tern_triggers_api_admin_token_0123456789';

interface TestHub {
  hub: Hub;
  call: (method: string, path: string, options?: CallOptions) => Promise<ApiResponse>;
}

/** Starts a real hub before the suite (on a fresh database) and closes it after. */
function useHub(database: { kind: 'pglite' } | { kind: 'postgres'; url: string }): () => TestHub {
  const root = mkdtempSync(join(tmpdir(), 'tern-api-triggers-'));
  let pg: FreshDatabase | undefined;
  let hub: Hub | undefined;
  beforeAll(async () => {
    pg = database.kind === 'postgres' ? await freshDatabase(database.url, 'tern_triggers') : undefined;
    hub = await startTestHub(join(root, 'hub'), ADMIN, { ...(pg && { dbUrl: pg.url }) });
  }, 60_000);
  afterAll(async () => {
    await hub?.close();
    await pg?.drop();
    rmSync(root, { recursive: true, force: true });
  }, 60_000);
  return () => {
    const started = hub;
    if (!started) throw new Error('the hub is not started');
    return {
      hub: started,
      call: apiCaller(started.url, ADMIN),
    };
  };
}

/** Runs `suite` on PGlite, and on PostgreSQL when TERN_TEST_PG_URL is set. */
function describeHub(title: string, suite: (hub: () => TestHub) => void): void {
  describe(`${title} (PGlite)`, () => suite(useHub({ kind: 'pglite' })));
  describeWithService('TERN_TEST_PG_URL', `${title} (PostgreSQL)`, (url) =>
    suite(useHub({ kind: 'postgres', url })),
  );
}

const eventually = <T>(check: () => T | Promise<T>) => vi.waitFor(check, { timeout: 15_000, interval: 20 });

/** A flow for agents labelled `site: <site>`, with a webhook and a schedule trigger. */
const agentFlow = (namespace: string, id: string, site: string) => `# Readings of one site
id: ${id}
namespace: ${namespace}
runsOn:
  labels:
    site: ${site}
triggers:
  # called by the line controller
  - id: hook
    type: webhook
    key: hook-key-1234567890
  - id: hourly
    type: schedule
    cron: "0 * * * *" # every hour
tasks:
  - id: say
    type: log
    message: reading
`;

/** A flow the hub runs itself: a schedule that does not fire during the test, and a webhook. */
const hubFlow = (namespace: string, id: string) => `id: ${id}
namespace: ${namespace}
runsOn: hub
triggers:
  - id: yearly
    type: schedule
    cron: "0 0 1 1 *"
  - id: hook
    type: webhook
    key: hub-hook-key-0123456789
tasks:
  - id: say
    type: log
    message: hooked
`;

describeHub('flow triggers API', (hub) => {
  const clients: MqttClient[] = [];
  afterEach(async () => {
    for (const c of clients.splice(0)) await c.endAsync(true);
  });

  async function create(yaml: string): Promise<void> {
    const res = await hub().call('POST', '/flows', { yaml });
    expect(res.status).toBe(201);
  }

  /** Waits until trigger `index` of the flow at `path` shows one runtime. */
  async function runningOnce(path: string, index: number): Promise<void> {
    await eventually(async () => {
      const { body } = await hub().call('GET', path);
      expect(body.triggers[index].runtimes).toHaveLength(1);
    });
  }

  /** Registers an agent through the API and connects as it to the hub's broker. */
  async function connectAgent(id: string, site: string): Promise<MqttClient> {
    const registered = await hub().call('POST', '/agents', { json: { id, labels: { site } } });
    expect(registered.status).toBe(201);
    const client = await mqtt.connectAsync(`mqtt://127.0.0.1:${hub().hub.mqttPort}`, {
      username: id,
      password: registered.body.token as string,
      clientId: `${id}:test`,
      reconnectPeriod: 0,
    });
    clients.push(client);
    return client;
  }

  async function publishStatus(client: MqttClient, agentId: string, status: Status): Promise<void> {
    await client.publishAsync(agentTopic(agentId, 'status'), JSON.stringify(status), {
      qos: 1,
      retain: true,
    });
  }

  const reported = (namespace: string, flowId: string, triggerId: string): TriggerStatus => ({
    namespace,
    flowId,
    triggerId,
    type: 'webhook',
    revision: 1,
    lastFiredAt: '2025-03-01T10:00:00.000Z',
    lastExecutionId: 'exec-reported-1',
    lastError: { at: '2025-03-01T09:00:00.000Z', message: 'inputs do not fit' },
    fired: 3,
    dropped: 1,
  });

  it('lists every trigger of the flow in flow order, with no runtimes when nobody runs it', async () => {
    await create(agentFlow('trig.none', 'readings', 'nowhere'));
    const res = await hub().call('GET', '/flows/trig.none/readings');
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ namespace: 'trig.none', id: 'readings', revision: 1, deleted: false });
    expect(res.body.flow.triggers).toHaveLength(2);
    expect(res.body.triggers).toEqual([
      { id: 'hook', type: 'webhook', disabled: false, runtimes: [] },
      { id: 'hourly', type: 'schedule', disabled: false, runtimes: [] },
    ]);
  });

  it('shows a flow without triggers with an empty list', async () => {
    await create('id: plain\nnamespace: trig.none\ntasks:\n  - id: say\n    type: log\n    message: hi\n');
    const res = await hub().call('GET', '/flows/trig.none/plain');
    expect(res.status).toBe(200);
    expect(res.body.triggers).toEqual([]);
  });

  it("shows the hub's own runtime of a hub flow's triggers, with the schedule's next date", async () => {
    await create(hubFlow('trig.hub', 'on-hub'));
    await eventually(async () => {
      const { body } = await hub().call('GET', '/flows/trig.hub/on-hub');
      expect(body.triggers.map((t: { runtimes: unknown[] }) => t.runtimes.length)).toEqual([1, 1]);
    });
    const { body } = await hub().call('GET', '/flows/trig.hub/on-hub');
    const [yearly, hook] = body.triggers;
    expect(yearly).toMatchObject({ id: 'yearly', type: 'schedule', disabled: false });
    expect(yearly.runtimes[0]).toMatchObject({ runtime: 'hub', revision: 1, fired: 0, dropped: 0 });
    expect(yearly.runtimes[0]).not.toHaveProperty('agentId');
    expect(Date.parse(yearly.runtimes[0].next)).toBeGreaterThan(Date.now());
    expect(hook.runtimes[0]).toMatchObject({ runtime: 'hub', revision: 1, fired: 0 });
  });

  it('counts a webhook call in the hub runtime: fired, last fired and the execution it started', async () => {
    await create(hubFlow('trig.hub', 'fired'));
    await runningOnce('/flows/trig.hub/fired', 1);
    const started = await hub().call('POST', '/executions/webhook/trig.hub/fired/hub-hook-key-0123456789', {
      token: null,
      json: {},
    });
    expect(started.status).toBe(200);
    await eventually(async () => {
      const { body } = await hub().call('GET', '/flows/trig.hub/fired');
      expect(body.triggers[1].runtimes[0]).toMatchObject({
        runtime: 'hub',
        fired: 1,
        lastExecutionId: started.body.id,
      });
      expect(typeof body.triggers[1].runtimes[0].lastFiredAt).toBe('string');
    });
  });

  it("shows what an agent reported about the flow's triggers", async () => {
    await create(agentFlow('trig.agent', 'readings', 'plant-a'));
    const client = await connectAgent('gw-trig-a', 'plant-a');
    await publishStatus(client, 'gw-trig-a', {
      state: 'online',
      since: new Date().toISOString(),
      triggers: [
        reported('trig.agent', 'readings', 'hook'),
        {
          ...reported('trig.agent', 'readings', 'hourly'),
          type: 'schedule',
          next: '2099-01-01T00:00:00.000Z',
        },
        // Another flow's trigger, and one this revision no longer has: neither shows.
        reported('trig.agent', 'other', 'hook'),
        reported('trig.agent', 'readings', 'gone'),
      ],
    });
    await runningOnce('/flows/trig.agent/readings', 0);
    const { body } = await hub().call('GET', '/flows/trig.agent/readings');
    expect(body.triggers.map((t: { id: string }) => t.id)).toEqual(['hook', 'hourly']);
    expect(body.triggers[0].runtimes).toEqual([
      {
        runtime: 'agent',
        agentId: 'gw-trig-a',
        online: true,
        revision: 1,
        lastFiredAt: '2025-03-01T10:00:00.000Z',
        lastExecutionId: 'exec-reported-1',
        lastError: { at: '2025-03-01T09:00:00.000Z', message: 'inputs do not fit' },
        fired: 3,
        dropped: 1,
      },
    ]);
    expect(body.triggers[1].runtimes).toEqual([
      expect.objectContaining({ runtime: 'agent', agentId: 'gw-trig-a', next: '2099-01-01T00:00:00.000Z' }),
    ]);
  });

  it('shows a trigger an agent reported disabled as disabled, at the revision the agent holds', async () => {
    await create(agentFlow('trig.agent', 'quiet', 'plant-c'));
    const client = await connectAgent('gw-trig-c', 'plant-c');
    await publishStatus(client, 'gw-trig-c', {
      state: 'online',
      since: new Date().toISOString(),
      triggers: [
        {
          namespace: 'trig.agent',
          flowId: 'quiet',
          triggerId: 'hook',
          type: 'webhook',
          revision: 1,
          fired: 0,
          dropped: 0,
        },
        {
          namespace: 'trig.agent',
          flowId: 'quiet',
          triggerId: 'hourly',
          type: 'schedule',
          revision: 1,
          disabled: true,
          fired: 0,
          dropped: 0,
        },
      ],
    });
    await runningOnce('/flows/trig.agent/quiet', 1);
    const { body } = await hub().call('GET', '/flows/trig.agent/quiet');
    expect(body.triggers[0].runtimes[0]).not.toHaveProperty('disabled');
    expect(body.triggers[1].runtimes).toEqual([
      {
        runtime: 'agent',
        agentId: 'gw-trig-c',
        online: true,
        revision: 1,
        disabled: true,
        fired: 0,
        dropped: 0,
      },
    ]);
  });

  it("keeps an offline agent's last report, shown offline, and leaves out a decommissioned agent", async () => {
    await create(agentFlow('trig.offline', 'readings', 'plant-b'));
    const client = await connectAgent('gw-trig-b', 'plant-b');
    await publishStatus(client, 'gw-trig-b', {
      state: 'online',
      since: new Date().toISOString(),
      triggers: [reported('trig.offline', 'readings', 'hook')],
    });
    await runningOnce('/flows/trig.offline/readings', 0);
    // What the last will says: no triggers.
    await publishStatus(client, 'gw-trig-b', { state: 'offline', since: new Date().toISOString() });
    await eventually(async () => {
      const { body } = await hub().call('GET', '/flows/trig.offline/readings');
      expect(body.triggers[0].runtimes).toEqual([
        expect.objectContaining({
          agentId: 'gw-trig-b',
          online: false,
          fired: 3,
          lastExecutionId: 'exec-reported-1',
        }),
      ]);
    });
    expect((await hub().call('DELETE', '/agents/gw-trig-b')).status).toBe(204);
    const { body } = await hub().call('GET', '/flows/trig.offline/readings');
    expect(body.triggers[0].runtimes).toEqual([]);
  });

  it('disables a trigger as a new revision whose source says `disabled: true`, comments kept', async () => {
    const source = agentFlow('trig.toggle', 'disable-me', 'nowhere');
    await create(source);
    const res = await hub().call('PUT', '/flows/trig.toggle/disable-me/triggers/hourly', {
      json: { disabled: true },
    });
    expect(res.status).toBe(200);
    expect(res.body.revision).toBe(2);
    expect(res.body.source).toBe(source.replace('  - id: hourly\n', '  - id: hourly\n    disabled: true\n'));
    expect(res.body.source).toContain('# called by the line controller');
    expect(res.body.source).toContain('# every hour');
    expect(res.body.triggers.map((t: { disabled: boolean }) => t.disabled)).toEqual([false, true]);
    const got = await hub().call('GET', '/flows/trig.toggle/disable-me');
    expect(got.body).toMatchObject({ revision: 2, source: res.body.source });
    expect(got.body.triggers[1]).toMatchObject({ id: 'hourly', disabled: true });
    expect((await hub().call('GET', '/flows/trig.toggle/disable-me/revisions')).body.items).toHaveLength(2);
  });

  it('enables it again by removing the `disabled` key, back to the original source', async () => {
    const source = agentFlow('trig.toggle', 'enable-me', 'nowhere');
    await create(source);
    const path = '/flows/trig.toggle/enable-me/triggers/hook';
    expect((await hub().call('PUT', path, { json: { disabled: true } })).body.revision).toBe(2);
    const res = await hub().call('PUT', path, { json: { disabled: false } });
    expect(res.status).toBe(200);
    expect(res.body.revision).toBe(3);
    expect(res.body.source).toBe(source);
    expect(res.body.triggers[0]).toMatchObject({ id: 'hook', disabled: false });
  });

  it('answers with the same revision when the trigger is already in that state', async () => {
    await create(agentFlow('trig.toggle', 'unchanged', 'nowhere'));
    const res = await hub().call('PUT', '/flows/trig.toggle/unchanged/triggers/hook', {
      json: { disabled: false },
    });
    expect(res.status).toBe(200);
    expect(res.body.revision).toBe(1);
    expect(res.body.triggers[0].disabled).toBe(false);
  });

  it('stops the hub runtime of a disabled trigger of a hub flow, shown disabled at the new revision', async () => {
    await create(hubFlow('trig.hub', 'stop-me'));
    await runningOnce('/flows/trig.hub/stop-me', 0);
    const res = await hub().call('PUT', '/flows/trig.hub/stop-me/triggers/yearly', {
      json: { disabled: true },
    });
    expect(res.status).toBe(200);
    await eventually(async () => {
      const { body } = await hub().call('GET', '/flows/trig.hub/stop-me');
      expect(body.triggers[0]).toMatchObject({ id: 'yearly', disabled: true });
      expect(body.triggers[0].runtimes).toEqual([
        { runtime: 'hub', revision: 2, disabled: true, fired: 0, dropped: 0 },
      ]);
      expect(body.triggers[1].runtimes[0]).toMatchObject({ runtime: 'hub', revision: 2 });
      expect(body.triggers[1].runtimes[0]).not.toHaveProperty('disabled');
    });
  });

  it('answers 404 for a trigger the flow does not have, and for an unknown flow', async () => {
    await create(agentFlow('trig.errors', 'known', 'nowhere'));
    const trigger = await hub().call('PUT', '/flows/trig.errors/known/triggers/missing', {
      json: { disabled: true },
    });
    expect(trigger.status).toBe(404);
    expect(trigger.body.error).toMatchObject({
      code: 'NOT_FOUND',
      message: expect.stringContaining('missing'),
    });
    const flow = await hub().call('PUT', '/flows/trig.errors/unknown/triggers/hook', {
      json: { disabled: true },
    });
    expect(flow.status).toBe(404);
    expect(flow.body.error.code).toBe('NOT_FOUND');
    expect((await hub().call('GET', '/flows/trig.errors/known')).body.revision).toBe(1);
  });

  it('answers 400 naming the field for a body that is not `{disabled: boolean}`', async () => {
    await create(agentFlow('trig.errors', 'bad-body', 'nowhere'));
    const path = '/flows/trig.errors/bad-body/triggers/hook';
    const wrongType = await hub().call('PUT', path, { json: { disabled: 'yes' } });
    expect(wrongType.status).toBe(400);
    expect(wrongType.body.error.code).toBe('BAD_REQUEST');
    expect(wrongType.body.error.details[0]).toMatchObject({ in: 'body', path: 'disabled' });
    const extra = await hub().call('PUT', path, { json: { disabled: true, reason: 'x' } });
    expect(extra.status).toBe(400);
    expect((await hub().call('PUT', path, { json: {} })).status).toBe(400);
    const empty = await hub().call('PUT', path);
    expect(empty.status).toBe(400);
    expect(empty.body.error).toMatchObject({ code: 'BAD_REQUEST', message: expect.any(String) });
    expect((await hub().call('GET', '/flows/trig.errors/bad-body')).body.revision).toBe(1);
  });

  it('answers 401 without a token, and changes nothing', async () => {
    await create(agentFlow('trig.errors', 'no-token', 'nowhere'));
    const put = await hub().call('PUT', '/flows/trig.errors/no-token/triggers/hook', {
      json: { disabled: true },
      token: null,
    });
    expect(put.status).toBe(401);
    expect(put.body.error.code).toBe('UNAUTHORIZED');
    expect((await hub().call('GET', '/flows/trig.errors/no-token', { token: null })).status).toBe(401);
    expect((await hub().call('GET', '/flows/trig.errors/no-token')).body.revision).toBe(1);
  });

  it('documents the route and the triggers in the OpenAPI document', async () => {
    const { body } = await hub().call('GET', '/openapi.json', { token: null });
    const put = body.paths['/api/v1/flows/{namespace}/{id}/triggers/{triggerId}']?.put;
    expect(put?.operationId).toBe('setFlowTriggerDisabled');
    const get = body.paths['/api/v1/flows/{namespace}/{id}'].get;
    expect(get.responses['200'].content['application/json'].schema).toEqual({
      $ref: '#/components/schemas/FlowWithTriggers',
    });
    expect(body.components.schemas.FlowTrigger.properties.runtimes.type).toBe('array');
  });
});

describe('the source edit that disables a trigger', () => {
  const head = '# keep me\nid: f\nnamespace: n\ntriggers:\n';

  it('answers undefined for a trigger id the source does not have', () => {
    expect(withTriggerDisabled(`${head}  - id: t\n    type: webhook\n`, 'other', true)).toBeUndefined();
  });

  it('turns an existing `disabled: false` into `true`, keeping its comment', () => {
    const source = `${head}  - id: t\n    disabled: false # paused?\n    type: webhook\n`;
    expect(withTriggerDisabled(source, 't', true)).toBe(source.replace('false', 'true'));
  });

  it('moves the next key onto the dash when `disabled` is the first key of the entry', () => {
    const source = `${head}- disabled: true\n  id: t\n  type: webhook\n`;
    expect(withTriggerDisabled(source, 't', false)).toBe(`${head}- id: t\n  type: webhook\n`);
  });

  it('edits a flow-style entry in place, both ways', () => {
    const source = `${head}  - {id: t, type: webhook}   # inline\n`;
    const disabled = withTriggerDisabled(source, 't', true);
    expect(disabled).toBe(`${head}  - {id: t, disabled: true, type: webhook}   # inline\n`);
    expect(withTriggerDisabled(disabled!, 't', false)).toBe(source);
  });

  it('keeps Windows line endings', () => {
    const source = `${head}  - id: t\n    type: webhook\n`.replace(/\n/g, '\r\n');
    expect(withTriggerDisabled(source, 't', true)).toBe(
      source.replace('id: t\r\n', 'id: t\r\n    disabled: true\r\n'),
    );
  });

  it('falls back to the yaml Document for an unusual layout, comments kept', () => {
    const source = `${head}  - id: t\n    disabled:\n      true\n    type: webhook # the hook\n`;
    const enabled = withTriggerDisabled(source, 't', false)!;
    expect(parse(enabled).triggers).toEqual([{ id: 't', type: 'webhook' }]);
    expect(enabled).toContain('# keep me');
    expect(enabled).toContain('# the hook');
  });
});
