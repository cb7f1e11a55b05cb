/** Following an execution as server-sent events, over real HTTP on the real engine. */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, expect, it } from 'vitest';
import { describeApi, openEventStream, until } from '../support/hub-api.js';

const NS = 'follow.t';

/** Logs, then holds until the file named by `gate` exists, then logs again. */
const GATED = `id: gated
namespace: ${NS}
inputs:
  - id: gate
    type: STRING
tasks:
  - id: before
    type: log
    message: before the gate
  - id: wait
    type: shell
    commands:
      - 'while [ ! -f "{{ inputs.gate }}" ]; do sleep 0.02; done'
  - id: after
    type: log
    message: after the gate
`;

const gatePath = () => join(mkdtempSync(join(tmpdir(), 'tern-api-follow-')), 'gate');

describeApi(
  'follow API',
  (hub) => {
    beforeAll(async () => {
      const res = await hub().call('POST', '/flows', { yaml: GATED });
      if (res.status !== 201) throw new Error(`cannot create the test flow: ${res.text}`);
    });

    it('streams the current execution first, then live task runs and logs, then end', async () => {
      const api = hub();
      const gate = gatePath();
      const { body } = await api.call('POST', `/executions/${NS}/gated`, { json: { gate } });
      const stream = await openEventStream(api, `/executions/${body.id}/follow`);
      expect(stream.status).toBe(200);
      expect(stream.headers.get('content-type')).toContain('text/event-stream');
      const first = await stream.next();
      expect(first.event).toBe('execution');
      expect(first.data.id).toBe(body.id);
      expect(Array.isArray(first.data.taskRuns)).toBe(true);
      writeFileSync(gate, '');
      const events = await stream.until('end');
      stream.close();
      const logs = events.filter((e) => e.event === 'log').map((e) => e.data.message);
      expect(logs).toContain('after the gate');
      expect(events.some((e) => e.event === 'taskRun' && e.data.taskId === 'after')).toBe(true);
      expect(events.at(-1)?.data).toEqual({ id: body.id, state: 'SUCCESS' });
    });

    it('for an ended execution sends it and end at once', async () => {
      const api = hub();
      const gate = gatePath();
      writeFileSync(gate, '');
      const { body } = await api.call('POST', `/executions/${NS}/gated?wait=true`, { json: { gate } });
      const stream = await openEventStream(api, `/executions/${body.id}/follow`);
      const events = await stream.until('end');
      expect(events.map((e) => e.event)).toEqual(['execution', 'end']);
      expect(events[0]?.data.taskRuns).toHaveLength(3);
    });

    it('answers 404 in the error shape for an unknown execution', async () => {
      const res = await hub().call('GET', '/executions/0unknownExecution/follow');
      expect(res.status).toBe(404);
      expect(res.body.error.code).toBe('NOT_FOUND');
    });

    it('requires a token', async () => {
      const res = await hub().call('GET', '/executions/0unknownExecution/follow', { token: null });
      expect(res.status).toBe(401);
      expect(res.body.error.code).toBe('UNAUTHORIZED');
    });

    it('sends heartbeat comments while nothing happens', async () => {
      const api = hub();
      const gate = gatePath();
      const { body } = await api.call('POST', `/executions/${NS}/gated`, { json: { gate } });
      const stream = await openEventStream(api, `/executions/${body.id}/follow`);
      const events = await stream.until('comment');
      expect(events.at(-1)?.data).toBe('heartbeat');
      stream.close();
      writeFileSync(gate, '');
      await api.services.executions.wait(body.id);
    });

    it('releases its subscription when the client disconnects', async () => {
      const api = hub();
      const gate = gatePath();
      const { body } = await api.call('POST', `/executions/${NS}/gated`, { json: { gate } });
      const before = api.openFollowers();
      const stream = await openEventStream(api, `/executions/${body.id}/follow`);
      await stream.next();
      expect(api.openFollowers()).toBe(before + 1);
      stream.close();
      await until(() => api.openFollowers() === before, 'the subscription is released');
      writeFileSync(gate, '');
      expect((await api.services.executions.wait(body.id)).state).toBe('SUCCESS');
    });
  },
  { heartbeatMs: 200 },
);
