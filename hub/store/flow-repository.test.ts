/** Flows: revisions, soft delete, unchanged saves, list filters and pagination, on PGlite and PostgreSQL. */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { Flow } from '../../protocol/flow.js';
import { pgliteBackend, postgresBackend, type StorageBackend } from '../../test/support/backends.js';
import { describeWithService } from '../../test/support/services.js';

describe('flows on PGlite', () => flowSuite(pgliteBackend()));
describeWithService('TERN_TEST_PG_URL', 'flows on PostgreSQL', (url) => flowSuite(postgresBackend(url)));

/** A flow and the YAML it was submitted as. */
function aFlow(namespace: string, id: string, options: { message?: string; description?: string } = {}) {
  const message = options.message ?? 'hello';
  const logTask = { id: 'say', type: 'log', message };
  const flow: Flow = {
    namespace,
    id,
    ...(options.description === undefined ? {} : { description: options.description }),
    tasks: [logTask],
  };
  const description = options.description === undefined ? '' : `description: ${options.description}\n`;
  const source = `id: ${id}\nnamespace: ${namespace}\n${description}tasks:\n  - id: say\n    type: log\n    message: ${message}\n`;
  return { flow, source };
}

function flowSuite(backend: StorageBackend): void {
  beforeAll(() => backend.setup());
  beforeEach(() => backend.reset());
  afterAll(() => backend.teardown());

  describe('saving', () => {
    it('stores a new flow as revision 1, created, with its source verbatim', async () => {
      const storage = await backend.open();
      const { flow, source } = aFlow('plant1', 'read');
      const result = await storage.flows.save(flow, source);
      expect(result.outcome).toBe('created');
      expect(result.row).toMatchObject({
        namespace: 'plant1',
        id: 'read',
        revision: 1,
        source,
        deleted: false,
      });
      expect(result.row.flow).toEqual({ ...flow, revision: 1 });
      expect(await storage.flows.get('plant1', 'read')).toEqual(result.row);
    });

    it('stores a changed source as the next revision, updated, keeping the creation date', async () => {
      const storage = await backend.open();
      const first = aFlow('plant1', 'read');
      const second = aFlow('plant1', 'read', { message: 'changed' });
      const created = await storage.flows.save(first.flow, first.source);
      const updated = await storage.flows.save(second.flow, second.source);
      expect(updated.outcome).toBe('updated');
      expect(updated.row).toMatchObject({
        revision: 2,
        source: second.source,
        createdAt: created.row.createdAt,
      });
      expect((await storage.flows.getRevision('plant1', 'read', 1))?.source).toBe(first.source);
    });

    it('reports an identical source as unchanged and stores no revision', async () => {
      const storage = await backend.open();
      const { flow, source } = aFlow('plant1', 'read');
      const created = await storage.flows.save(flow, source);
      const again = await storage.flows.save(flow, source);
      expect(again).toEqual({ row: created.row, outcome: 'unchanged' });
      expect(await storage.flows.revisions('plant1', 'read')).toHaveLength(1);
    });

    it('treats a source differing only in whitespace as a new revision', async () => {
      const storage = await backend.open();
      const { flow, source } = aFlow('plant1', 'read');
      await storage.flows.save(flow, source);
      expect((await storage.flows.save(flow, `${source}\n`)).outcome).toBe('updated');
    });

    it('gives concurrent saves of one new flow distinct revisions', async () => {
      const storage = await backend.open();
      const saves = ['a', 'b', 'c'].map((m) => aFlow('plant1', 'read', { message: m }));
      const results = await Promise.all(saves.map((s) => storage.flows.save(s.flow, s.source)));
      expect(results.map((r) => r.row.revision).sort()).toEqual([1, 2, 3]);
    });
  });

  describe('deleting', () => {
    it('hides a deleted flow but keeps every revision, the deletion included', async () => {
      const storage = await backend.open();
      const { flow, source } = aFlow('plant1', 'read');
      await storage.flows.save(flow, source);
      expect(await storage.flows.delete('plant1', 'read')).toBe(true);
      expect(await storage.flows.get('plant1', 'read')).toBeUndefined();
      expect(await storage.flows.get('plant1', 'read', { includeDeleted: true })).toMatchObject({
        revision: 2,
        deleted: true,
      });
      const history = await storage.flows.revisions('plant1', 'read');
      expect(history.map((r) => [r.revision, r.deleted, r.source])).toEqual([
        [1, false, source],
        [2, true, source],
      ]);
    });

    it('answers false for a flow that is unknown or already deleted', async () => {
      const storage = await backend.open();
      const { flow, source } = aFlow('plant1', 'read');
      expect(await storage.flows.delete('plant1', 'read')).toBe(false);
      await storage.flows.save(flow, source);
      await storage.flows.delete('plant1', 'read');
      expect(await storage.flows.delete('plant1', 'read')).toBe(false);
    });

    it('re-creates a deleted flow as a new revision with outcome created', async () => {
      const storage = await backend.open();
      const { flow, source } = aFlow('plant1', 'read');
      await storage.flows.save(flow, source);
      await storage.flows.delete('plant1', 'read');
      const again = await storage.flows.save(flow, source);
      expect(again.outcome).toBe('created');
      expect(again.row).toMatchObject({ revision: 3, deleted: false });
      expect(await storage.flows.revisions('plant1', 'read')).toHaveLength(3);
    });
  });

  describe('listing', () => {
    async function seeded() {
      const storage = await backend.open();
      const flows = [
        aFlow('plant', 'a'),
        aFlow('plant.line1', 'b', { description: 'Reads the Boiler' }),
        aFlow('plant.line1', 'c'),
        aFlow('plant2', 'd'),
        aFlow('plant_x', 'e'),
        aFlow('other', 'boiler-watch'),
      ];
      for (const f of flows) await storage.flows.save(f.flow, f.source);
      return storage;
    }
    const keys = (items: { namespace: string; id: string }[]) => items.map((r) => `${r.namespace}/${r.id}`);

    it('sorts by namespace then id', async () => {
      const storage = await seeded();
      const page = await storage.flows.list({});
      expect(keys(page.items)).toEqual([
        'other/boiler-watch',
        'plant/a',
        'plant.line1/b',
        'plant.line1/c',
        'plant2/d',
        'plant_x/e',
      ]);
      expect(page.nextCursor).toBeUndefined();
    });

    it('matches a namespace and its sub-namespaces, not its siblings', async () => {
      const storage = await seeded();
      const page = await storage.flows.list({ namespace: 'plant' });
      expect(keys(page.items)).toEqual(['plant/a', 'plant.line1/b', 'plant.line1/c']);
    });

    it('searches id, namespace and description without regard to case', async () => {
      const storage = await seeded();
      expect(keys((await storage.flows.list({ q: 'BOILER' })).items)).toEqual([
        'other/boiler-watch',
        'plant.line1/b',
      ]);
      expect(keys((await storage.flows.list({ q: '_' })).items)).toEqual(['plant_x/e']);
    });

    it('leaves deleted flows out unless asked for', async () => {
      const storage = await seeded();
      await storage.flows.delete('plant', 'a');
      expect(keys((await storage.flows.list({ namespace: 'plant' })).items)).not.toContain('plant/a');
      const all = await storage.flows.list({ namespace: 'plant', includeDeleted: true });
      expect(keys(all.items)).toContain('plant/a');
    });

    it('walks every flow once across pages', async () => {
      const storage = await seeded();
      const seen: string[] = [];
      let cursor: string | undefined;
      let pages = 0;
      do {
        const page = await storage.flows.list({ limit: 4, ...(cursor ? { cursor } : {}) });
        seen.push(...keys(page.items));
        cursor = page.nextCursor;
        pages++;
      } while (cursor);
      expect(pages).toBe(2);
      expect(seen).toEqual(keys((await storage.flows.list({})).items));
    });

    it('refuses a malformed cursor and a cursor from another list', async () => {
      const storage = await seeded();
      const executionsCursor = Buffer.from(JSON.stringify(['executions', 'x', 'y'])).toString('base64url');
      for (const cursor of ['not a cursor', 'bm90IGpzb24', executionsCursor]) {
        await expect(storage.flows.list({ cursor })).rejects.toMatchObject({
          code: 'BAD_REQUEST',
          message: 'invalid cursor',
        });
      }
    });

    it('refuses a limit outside 1 to 500', async () => {
      const storage = await seeded();
      for (const limit of [0, 501, 2.5]) {
        await expect(storage.flows.list({ limit })).rejects.toMatchObject({ code: 'BAD_REQUEST' });
      }
    });
  });
}
