/** The global event stream and execution statistics, over real HTTP on the real engine. */
import { beforeAll, expect, it } from 'vitest';
import { STATES } from '../../protocol/states.js';
import { describeApi, openEventStream } from '../support/hub-api.js';

const NS = 'events.t';

const flow = (id: string, task = 'type: log\n    message: hi') => `id: ${id}
namespace: ${NS}
tasks:
  - id: only
    ${task}
`;

describeApi('events and stats API', (hub) => {
  beforeAll(async () => {
    for (const [id, task] of [
      ['ok', undefined],
      ['broken', "type: fail\n    errorMessage: 'no'"],
    ] as const) {
      const res = await hub().call('POST', '/flows', { yaml: flow(id, task) });
      if (res.status !== 201) throw new Error(`cannot create the test flow: ${res.text}`);
    }
  });

  it('streams ready, then every execution change and flow change', async () => {
    const api = hub();
    const stream = await openEventStream(api, '/events');
    expect(stream.status).toBe(200);
    expect(stream.headers.get('content-type')).toContain('text/event-stream');
    expect((await stream.next()).event).toBe('ready');
    const { body } = await api.call('POST', `/executions/${NS}/ok`);
    let seen = await stream.until('execution');
    while (!(seen.at(-1)?.data.id === body.id && seen.at(-1)?.data.state === 'SUCCESS'))
      seen = await stream.until('execution');
    await api.call('PUT', `/flows/${NS}/ok`, { yaml: flow('ok', 'type: log\n    message: changed') });
    const flowEvent = (await stream.until('flow')).at(-1);
    stream.close();
    expect(flowEvent?.data).toEqual({ namespace: NS, id: 'ok' });
  });

  it('counts executions by start bucket and state', async () => {
    const api = hub();
    const from = new Date(Date.now() - 60_000).toISOString();
    for (const id of ['ok', 'ok', 'broken']) await api.call('POST', `/executions/${NS}/${id}?wait=true`);
    const to = new Date(Date.now() + 60_000).toISOString();
    const res = await api.call(
      'GET',
      `/stats/executions?namespace=${NS}&interval=day&from=${from}&to=${to}&flowId=broken`,
    );
    expect(res.status).toBe(200);
    expect(res.body.interval).toBe('day');
    expect(res.body.buckets).toHaveLength(1);
    expect(res.body.buckets[0].start).toMatch(/T00:00:00Z$/);
    const none = Object.fromEntries(STATES.map((state) => [state, 0]));
    expect(res.body.buckets[0].counts).toEqual({ ...none, FAILED: 1 });
    const all = await api.call(
      'GET',
      `/stats/executions?namespace=${NS}&interval=minute&from=${from}&to=${to}`,
    );
    const total = (state: string) =>
      all.body.buckets.reduce(
        (n: number, b: { counts: Record<string, number> }) => n + (b.counts[state] ?? 0),
        0,
      );
    expect(total('FAILED')).toBe(1);
    expect(total('SUCCESS')).toBeGreaterThanOrEqual(2);
  });

  it('refuses a range with too many buckets', async () => {
    const res = await hub().call('GET', '/stats/executions?interval=minute&from=2020-01-01T00:00:00Z');
    expect(res.status).toBe(400);
    expect(res.body.error.code).toBe('BAD_REQUEST');
  });
});
