/** Trigger state on PGlite and PostgreSQL: per trigger, kept across a restart, cleared as a whole. */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { pgliteBackend, postgresBackend, type StorageBackend } from '../../test/support/backends.js';
import { describeWithService } from '../../test/support/services.js';
import { openHubStorage } from './hub-storage.js';

describe('trigger state on PGlite', () => stateSuite(pgliteBackend()));
describeWithService('TERN_TEST_PG_URL', 'trigger state on PostgreSQL', (url) =>
  stateSuite(postgresBackend(url)),
);

const tick = { namespace: 'plant1', flowId: 'report', triggerId: 'tick' };
const other = { namespace: 'plant1', flowId: 'report', triggerId: 'other' };

function stateSuite(backend: StorageBackend): void {
  beforeAll(() => backend.setup());
  beforeEach(() => backend.reset());
  afterAll(() => backend.teardown());

  it('keeps each trigger’s keys apart, with their JSON values', async () => {
    const { triggers } = await backend.open();
    await triggers.save(tick, 'until', 1_700_000_000_000);
    await triggers.save(tick, 'dedupe:topic:a', ['h2', 'h1']);
    await triggers.save(other, 'until', 5);
    expect(await triggers.load(tick)).toEqual(
      new Map<string, unknown>([
        ['until', 1_700_000_000_000],
        ['dedupe:topic:a', ['h2', 'h1']],
      ]),
    );
  });

  it('replaces a value, deletes a key given undefined, and applies writes in order', async () => {
    const { triggers } = await backend.open();
    void triggers.save(tick, 'until', 1);
    void triggers.save(tick, 'until', 2);
    void triggers.save(tick, 'gone', true);
    await triggers.save(tick, 'gone', undefined);
    expect(await triggers.load(tick)).toEqual(new Map([['until', 2]]));
  });

  it('clears one trigger and leaves the others', async () => {
    const { triggers } = await backend.open();
    await triggers.save(tick, 'until', 1);
    await triggers.save(other, 'until', 2);
    await triggers.clear(tick);
    expect((await triggers.load(tick)).size).toBe(0);
    expect(await triggers.load(other)).toEqual(new Map([['until', 2]]));
  });

  it('survives a restart', async () => {
    const options = await backend.restartable();
    const first = await openHubStorage(options);
    await first.triggers.save(tick, 'until', 42);
    await first.close();
    const second = await openHubStorage(options);
    expect(await second.triggers.load(tick)).toEqual(new Map([['until', 42]]));
    await second.close();
  });
}
