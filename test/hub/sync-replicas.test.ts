/**
 * Ingest by two hub replicas on one PostgreSQL database, consecutive batches of one agent reaching
 * different replicas at once: the second waits for the agent's mark while the first stores its batch,
 * and then sees everything the first stored — its executions included, not only the raised mark.
 */
import postgres from 'postgres';
import { afterAll, beforeAll, expect, it, vi } from 'vitest';
import { checkRecord } from '../../hub/fleet/ingest.js';
import { openHubStorage } from '../../hub/store/hub-storage.js';
import type { HubStorage, IngestBatch } from '../../hub/store/types.js';
import type { EventRecord } from '../../protocol/messages.js';
import { postgresBackend, type StorageBackend } from '../support/backends.js';
import { anExecution, aTaskRun } from '../support/fixtures.js';
import { describeWithService } from '../support/services.js';

const at = '2025-01-01T00:00:00.000Z';
const AGENT = 'gw-replicas';

const batch = (after: number, ...rs: Omit<EventRecord, 'at'>[]): IngestBatch => ({
  after,
  records: rs.map((r) => checkRecord({ ...r, at })),
});

describeWithService('TERN_TEST_PG_URL', 'ingest across hub replicas (PostgreSQL)', (url) => {
  let backend: StorageBackend;
  let replicas: HubStorage[];
  let holder: postgres.Sql;
  let watcher: postgres.Sql;
  let databaseUrl: string;

  beforeAll(async () => {
    backend = postgresBackend(url);
    await backend.setup();
    const options = await backend.restartable();
    databaseUrl = (options as { url: string }).url;
    replicas = [await openHubStorage(options), await openHubStorage(options)];
    await replicas[0]!.agents.register(AGENT, {});
    await replicas[0]!.agents.updateStatus(AGENT, { status: { assignedFlows: ['ns/f'] } });
    await replicas[0]!.sync.ingest(AGENT, batch(0)); // creates the agent's mark row
    holder = postgres(databaseUrl, { max: 1, onnotice: () => undefined });
    watcher = postgres(databaseUrl, { max: 1, onnotice: () => undefined });
  });
  afterAll(async () => {
    await holder?.end({ timeout: 5 });
    await watcher?.end({ timeout: 5 });
    for (const r of replicas ?? []) await r.close();
    await backend?.teardown();
  });

  /** Sessions of this database waiting for a row lock. */
  const waiting = async () =>
    (
      await watcher<{ n: number }[]>`SELECT count(*)::int AS n FROM pg_stat_activity
        WHERE datname = current_database() AND wait_event_type = 'Lock'`
    )[0]!.n;

  it("stores a batch's task runs whose execution another replica stored while this one waited", async () => {
    const execution = anExecution({
      id: 'e-split',
      namespace: 'ns',
      flowId: 'f',
      agentId: AGENT,
      startDate: at,
    });
    const first = batch(0, { seq: 1, kind: 'execution', data: { ...execution } });
    const second = batch(1, {
      seq: 2,
      kind: 'taskRun',
      data: { ...aTaskRun('e-split', { id: 'tr-split', taskId: 't', state: 'SUCCESS', startDate: at }) },
    });

    // A third session holds the mark, so both replicas queue on it: the first, then the second, whose
    // statement has begun (and taken its snapshot) before the first replica's batch is committed.
    let release!: () => void;
    const held = holder.begin(async (tx) => {
      await tx`SELECT last_seq FROM agent_sync WHERE agent_id = ${AGENT} FOR UPDATE`;
      await new Promise<void>((resolve) => {
        release = resolve;
      });
    });
    await vi.waitFor(() => expect(release).toBeTypeOf('function'));
    const storedFirst = replicas[0]!.sync.ingest(AGENT, first);
    await vi.waitFor(async () => expect(await waiting()).toBe(1), { timeout: 10_000 });
    const storedSecond = replicas[1]!.sync.ingest(AGENT, second);
    await vi.waitFor(async () => expect(await waiting()).toBe(2), { timeout: 10_000 });
    release();
    await held;

    expect((await storedFirst).outcome).toBe('stored');
    const result = await storedSecond;
    expect(result.refused).toEqual([]);
    expect(result.outcome).toBe('stored');
    expect(result.taskRuns.map((r) => r.id)).toEqual(['tr-split']);
    const rows = await watcher<{ id: string }[]>`SELECT id FROM task_runs WHERE execution_id = 'e-split'`;
    expect(rows.map((r) => r.id)).toEqual(['tr-split']);
  });
});
