/** The Kafka bridge's queue and dead letters on PGlite and PostgreSQL: order, refusals, moves both ways, lag. */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { pgliteBackend, postgresBackend, type StorageBackend } from '../../test/support/backends.js';
import { describeWithService } from '../../test/support/services.js';
import type { BridgeRecord } from './types.js';

describe('bridge queue on PGlite', () => queueSuite(pgliteBackend()));
describeWithService('TERN_TEST_PG_URL', 'bridge queue on PostgreSQL', (url) =>
  queueSuite(postgresBackend(url)),
);

const record = (n: number): BridgeRecord => ({
  route: 'executions',
  topic: 'tern.executions',
  key: Buffer.from(`e${n}`),
  value: n === 0 ? null : Buffer.from([0, n, 255]),
  headers: { n: String(n) },
});

function queueSuite(backend: StorageBackend): void {
  beforeAll(() => backend.setup());
  beforeEach(() => backend.reset());
  afterAll(() => backend.teardown());

  it('hands records back in queue order, bytes and headers intact, and deletes delivered ones', async () => {
    const { bridge } = await backend.open();
    await bridge.enqueue([record(0), record(1), record(2)]);
    const batch = await bridge.next(2);
    expect(batch.map((r) => [r.key?.toString(), r.value, r.headers, r.attempts])).toEqual([
      ['e0', null, { n: '0' }, 0],
      ['e1', Buffer.from([0, 1, 255]), { n: '1' }, 0],
    ]);
    await bridge.delivered(batch.map((r) => r.id));
    expect((await bridge.next(10)).map((r) => r.key?.toString())).toEqual(['e2']);
    expect((await bridge.lag()).queued).toBe(1);
  });

  it('counts refusals, dead-letters with the reason, and requeues in the original place', async () => {
    const { bridge } = await backend.open();
    await bridge.enqueue([record(1), record(2), record(3)]);
    const [first] = await bridge.next(1);
    await bridge.refused([first!.id], 'MESSAGE_TOO_LARGE');
    expect((await bridge.next(1))[0]).toMatchObject({ attempts: 1, lastError: 'MESSAGE_TOO_LARGE' });
    expect(await bridge.deadLetter([first!.id], 'refused 1 times')).toBe(1);
    const dead = await bridge.deadLetters({});
    expect(dead.items).toEqual([
      expect.objectContaining({
        id: first!.id,
        attempts: 1,
        error: 'refused 1 times (last error: MESSAGE_TOO_LARGE)',
      }),
    ]);
    expect(await bridge.countDeadLetters()).toBe(1);
    expect(await bridge.requeue()).toBe(1);
    expect((await bridge.next(10)).map((r) => [r.key?.toString(), r.attempts])).toEqual([
      ['e1', 0],
      ['e2', 0],
      ['e3', 0],
    ]);
    expect(await bridge.countDeadLetters()).toBe(0);
  });

  it('dead-letters records queued before a cut-off, and reports the oldest one', async () => {
    const { bridge } = await backend.open();
    await bridge.enqueue([record(1)]);
    const { oldestCreatedAt } = await bridge.lag();
    expect(oldestCreatedAt).not.toBeNull();
    expect(await bridge.expire(new Date(Date.parse(oldestCreatedAt!) + 1), 'queued too long')).toBe(1);
    expect(await bridge.lag()).toEqual({ queued: 0, oldestCreatedAt: null });
    expect((await bridge.deadLetters({})).items[0]?.error).toBe('queued too long');
  });
}
