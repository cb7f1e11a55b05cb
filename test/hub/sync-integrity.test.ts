/**
 * Acknowledgements and what an agent may report, end to end: the real hub (its API, embedded broker and
 * fleet), real agents and clients holding an agent's token, on PGlite and PostgreSQL. An ack covers
 * only what is stored; a record the database refuses becomes a placeholder; a leaked token cannot
 * report another agent's work or fire a flow trigger with it.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import mqtt, { type MqttClient } from 'mqtt';
import postgres from 'postgres';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { type Agent, startAgent } from '../../agent/agent.js';
import type { AgentOptionsInput } from '../../agent/config.js';
import type { Hub } from '../../hub/hub.js';
import type { EventRecord } from '../../protocol/messages.js';
import { agentTopic } from '../../protocol/topics.js';
import { apiCaller, startTestHub } from '../support/hub-api.js';
import { freshDatabase } from '../support/postgres.js';
import { describeWithService } from '../support/services.js';

const ADMIN = 'tern_sync_integrity_admin_token_0123456789';
const eventually = <T>(check: () => T | Promise<T>, timeout = 20_000) =>
  vi.waitFor(check, { timeout, interval: 25 });

const TICKET = `id: ticket
namespace: ops
triggers:
  - id: upload-failed
    type: flow
    dependsOn:
      - namespace: plant
        flowId: upload
        states: [FAILED]
tasks:
  - id: open
    type: log
    message: "{{ trigger.flowId }} failed on {{ trigger.agentId }}: {{ trigger.outputs }}"
`;

const flow = (namespace: string, id: string, runsOn: string, messages = ['one', 'two', 'three']) =>
  `id: ${id}\nnamespace: ${namespace}\nrunsOn: ${runsOn}\ntasks:\n${messages
    .map((m, i) => `  - id: say${i}\n    type: log\n    message: ${m}\n`)
    .join('')}`;

/** A hub for the whole file, and what its tests share. */
function useHub(database: () => Promise<{ dbUrl?: string; sql?: postgres.Sql; drop(): Promise<void> }>) {
  const root = mkdtempSync(join(tmpdir(), 'tern-sync-integrity-'));
  const state = {} as {
    hub: Hub;
    call: ReturnType<typeof apiCaller>;
    sql: postgres.Sql | undefined;
    root: string;
  };
  let drop = async () => {};
  const agents: Agent[] = [];
  const clients: MqttClient[] = [];
  beforeAll(async () => {
    const db = await database();
    drop = db.drop;
    state.sql = db.sql;
    state.root = root;
    state.hub = await startTestHub(join(root, 'hub'), ADMIN, db.dbUrl ? { dbUrl: db.dbUrl } : {});
    state.call = apiCaller(state.hub.url, ADMIN);
  }, 60_000);
  afterEach(async () => {
    for (const c of clients.splice(0)) await c.endAsync(true);
    for (const a of agents.splice(0)) await a.close();
  });
  afterAll(async () => {
    await state.hub?.close();
    await state.sql?.end();
    await drop();
    rmSync(root, { recursive: true, force: true });
  });

  const helpers = {
    state,
    async createFlow(yaml: string): Promise<void> {
      const res = await state.call('POST', '/flows', { yaml });
      expect(res.status, res.text).toBe(201);
    },
    async register(id: string, labels: Record<string, string> = {}): Promise<string> {
      const res = await state.call('POST', '/agents', { json: { id, labels } });
      expect(res.status, res.text).toBe(201);
      return res.body.token as string;
    },
    async start(id: string, token: string, options: Partial<AgentOptionsInput> = {}): Promise<Agent> {
      const agent = await startAgent({
        id,
        token,
        hubUrl: `mqtt://127.0.0.1:${state.hub.mqttPort}`,
        dataDir: join(root, id),
        closeGraceMs: 5000,
        ...options,
        sync: { reconnectMinMs: 20, reconnectMaxMs: 200, lingerMs: 1, ...options.sync },
      });
      agents.push(agent);
      return agent;
    },
    /** A client holding the agent's token (a leaked one), on the agent's own topics; records the acks it gets. */
    async thief(id: string, token: string): Promise<{ client: MqttClient; acks: number[] }> {
      const client = await mqtt.connectAsync(`mqtt://127.0.0.1:${state.hub.mqttPort}`, {
        username: id,
        password: token,
        clientId: `${id}:thief`,
        reconnectPeriod: 0,
      });
      clients.push(client);
      const acks: number[] = [];
      client.on('message', (_topic, payload) => acks.push(JSON.parse(payload.toString()).seq));
      await client.subscribeAsync(agentTopic(id, 'ack'), { qos: 1 });
      return { client, acks };
    },
    async metric(name: string): Promise<number> {
      const text = (await state.call('GET', '/metrics')).text;
      const line = text.split('\n').find((l) => l.startsWith(name));
      return line ? Number(line.split(' ').at(-1)) : 0;
    },
  };
  return helpers;
}

const now = () => new Date().toISOString();

function suite(database: Parameters<typeof useHub>[0]): void {
  const h = useHub(database);

  describe('acknowledgements', () => {
    it('stores nothing of a batch that follows records never stored, and acks only what is stored', async () => {
      const token = await h.register('gw-gap');
      await h.createFlow(flow('gap', 'f', '{agents: [gw-gap]}'));
      const { client, acks } = await h.thief('gw-gap', token);
      const execution = (id: string): EventRecord => ({
        seq: 0,
        kind: 'execution',
        at: now(),
        data: { id, namespace: 'gap', flowId: 'f', flowRevision: 1, state: 'RUNNING', startDate: now() },
      });
      // Records 1 to 5 were sent in a batch the hub failed to store; this one follows them.
      const later = { after: 5, records: [{ ...execution('e-after-hole'), seq: 6 }] };
      await client.publishAsync(agentTopic('gw-gap', 'events'), JSON.stringify(later), { qos: 1 });
      await eventually(() => expect(acks).toEqual([0]));
      const first = { after: 0, records: [{ ...execution('e-first'), seq: 1 }] };
      await client.publishAsync(agentTopic('gw-gap', 'events'), JSON.stringify(first), { qos: 1 });
      await eventually(() => expect(acks).toEqual([0, 1]));
      expect([
        (await h.state.call('GET', '/executions/e-after-hole')).status,
        (await h.state.call('GET', '/executions/e-first')).status,
      ]).toEqual([404, 200]);
    });

    it('goes on storing an agent whose acked records the hub no longer holds (its database restored)', async () => {
      await h.createFlow(flow('restored', 'f', '{agents: [gw-restored]}'));
      const token = await h.register('gw-restored');
      const first = await h.start('gw-restored', token);
      await eventually(() => expect(first.appliedFlows().map((f) => f.id)).toEqual(['f']));
      await first.engine.run(first.flows()[0]!);
      await eventually(() => {
        const { highSeq, ackedSeq } = first.outboxStats();
        expect([highSeq > 0, ackedSeq]).toEqual([true, highSeq]);
      });
      await first.close();
      await h.state.hub.storage.sync.resetSeq('gw-restored', 0);
      const again = await h.start('gw-restored', token);
      const later = await again.engine.run(again.flows()[0]!);
      await eventually(async () =>
        expect((await h.state.call('GET', `/executions/${later.id}`)).status).toBe(200),
      );
    });
  });

  describe('what an agent may report', () => {
    it("refuses a leaked token's report of another agent's flow: nothing stored, no flow trigger, counted, acked", async () => {
      await h.createFlow(TICKET);
      await h.createFlow(flow('plant', 'upload', '{agents: [gw-b]}'));
      await h.register('gw-b');
      const tokenA = await h.register('gw-a');
      await eventually(() => expect(h.state.hub.triggers.list().map((t) => t.flowId)).toContain('ticket'));
      const refusedBefore = await h.metric('tern_sync_records_refused_total{reason="not-assigned"}');
      const { client, acks } = await h.thief('gw-a', tokenA);
      const forged = {
        after: 0,
        records: [
          {
            seq: 1,
            kind: 'execution',
            at: now(),
            data: {
              id: 'e-forged',
              namespace: 'plant',
              flowId: 'upload',
              flowRevision: 1,
              state: 'FAILED',
              outputs: { attacker: 'chosen' },
              startDate: now(),
              endDate: now(),
            },
          },
        ],
      };
      await client.publishAsync(agentTopic('gw-a', 'events'), JSON.stringify(forged), { qos: 1 });
      await eventually(() => expect(acks).toEqual([1]));
      await h.state.hub.fleet.idle();
      await h.state.hub.engine.idle();
      const tickets = await h.state.call('GET', '/executions?namespace=ops&flowId=ticket');
      expect({
        stored: (await h.state.call('GET', '/executions/e-forged')).status,
        tickets: tickets.body.items,
        refused: (await h.metric('tern_sync_records_refused_total{reason="not-assigned"}')) - refusedBefore,
      }).toEqual({ stored: 404, tickets: [], refused: 1 });
    });

    it('accepts the records of executions an agent ran while their flow was assigned to it, sent after it was taken away', async () => {
      await h.createFlow(flow('moved', 'f', '{labels: {site: old}}'));
      const token = await h.register('gw-moved', { site: 'old' });
      const online = await h.start('gw-moved', token);
      await eventually(() => expect(online.appliedFlows().map((f) => f.id)).toEqual(['f']));
      await online.close();
      // Offline (no hub at this address): it runs its assigned flow, and the records wait in its outbox.
      const offline = await h.start('gw-moved', token, { hubUrl: 'mqtt://127.0.0.1:1' });
      const ran = await offline.engine.run(offline.flows().find((f) => f.flow.id === 'f')!);
      await offline.close();
      const moved = await h.state.call('PUT', '/flows/moved/f', {
        yaml: flow('moved', 'f', '{labels: {site: new}}'),
      });
      expect(moved.status, moved.text).toBe(200);
      const back = await h.start('gw-moved', token);
      await eventually(() => expect(back.outboxStats().depth).toBe(0));
      const stored = await h.state.call('GET', `/executions/${ran.id}`);
      expect([stored.status, stored.body.state, stored.body.agentId]).toEqual([200, 'SUCCESS', 'gw-moved']);
    });
  });
}

describe('sync integrity (PGlite)', () => {
  suite(async () => ({ drop: async () => {} }));
});

describeWithService('TERN_TEST_PG_URL', 'sync integrity (PostgreSQL)', (url) => {
  const database = async () => {
    const db = await freshDatabase(url, 'tern_sync_integrity');
    return { dbUrl: db.url, sql: postgres(db.url, { max: 1, onnotice: () => {} }), drop: db.drop };
  };
  suite(database);

  describe('a record the database refuses', () => {
    const h = useHub(database);

    it('is stored as a placeholder, every other record of its batch and of the batches after it is stored, and the outbox drains', async () => {
      await h.createFlow(flow('refused', 'f', '{agents: [gw-refused]}', ['one', 'poison', 'three']));
      await h.state.sql!.unsafe("ALTER TABLE logs ADD CONSTRAINT test_refusal CHECK (message <> 'poison')");
      const agent = await h.start('gw-refused', await h.register('gw-refused'), {
        sync: { batchMaxRecords: 4, maxInFlight: 4 },
      });
      await eventually(() => expect(agent.appliedFlows().map((f) => f.id)).toEqual(['f']));
      const ids: string[] = [];
      for (let i = 0; i < 5; i++) ids.push((await agent.engine.start(agent.flows()[0]!)).id);
      for (const id of ids) await agent.engine.wait(id);
      await eventually(() => expect(agent.outboxStats().depth).toBe(0));
      const stored = [];
      for (const id of ids) {
        const execution = await h.state.call('GET', `/executions/${id}`);
        const logs = await h.state.call('GET', `/executions/${id}/logs`);
        stored.push([execution.body.state, logs.body.items.map((l: { message: string }) => l.message)]);
      }
      expect(stored).toEqual(
        ids.map(() => [
          'SUCCESS',
          ['one', expect.stringMatching(/^\[a log line could not be stored: .*test_refusal/), 'three'],
        ]),
      );
    });
  });
});
