/**
 * Three hub replicas on one PostgreSQL database: a schedule fires once per
 * tick across them, and when the replica running it goes, another fires the
 * next ticks, none missed.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import postgres from 'postgres';
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { Hub } from '../../hub/hub.js';
import { apiCaller, startTestHub, until } from '../support/hub-api.js';
import { type FreshDatabase, freshDatabase } from '../support/postgres.js';
import { describeWithService } from '../support/services.js';

const ADMIN = 'tern_replicas_schedule_admin_token_0123';

const EVERY_SECOND = `id: tick
namespace: replicas
triggers:
  - id: second
    type: schedule
    cron: "* * * * * *"
    withSeconds: true
    # A tick is never skipped for a run still going: a gap can only come from the handover.
    allowConcurrent: true
tasks:
  - id: hello
    type: log
    message: "{{ trigger.date }}"
`;

describeWithService('TERN_TEST_PG_URL', 'hub replicas on one PostgreSQL', (pgUrl) => {
  const root = mkdtempSync(join(tmpdir(), 'tern-replicas-'));
  let db: FreshDatabase;
  let sql: postgres.Sql;
  const hubs: Hub[] = [];

  beforeAll(async () => {
    db = await freshDatabase(pgUrl, 'tern_replicas');
    sql = postgres(db.url, { max: 1, onnotice: () => undefined });
  }, 60_000);

  afterAll(async () => {
    for (const hub of hubs) await hub.close();
    await sql?.end();
    await db?.drop();
    rmSync(root, { recursive: true, force: true });
  }, 60_000);

  const start = async (name: string) => {
    const hub = await startTestHub(join(root, name), ADMIN, { dbUrl: db.url, leaderCheckMs: 200 });
    hubs.push(hub);
    return hub;
  };
  const running = (hub: Hub) => hub.triggers.list().some((t) => t.triggerId === 'second');
  /** Every scheduled date that started an execution, with how many did. */
  const fired = async () => {
    for (const hub of hubs) await hub.storage.executions.flush();
    const rows = await sql<{ date: string; n: number }[]>`
      SELECT doc->'trigger'->>'date' AS date, count(*)::int AS n FROM executions
      WHERE namespace = 'replicas' GROUP BY 1 ORDER BY 1`;
    return rows;
  };

  it('fires a schedule once per tick across replicas, and on another when its replica goes', async () => {
    const first = await start('a');
    expect((await apiCaller(first.url, ADMIN)('POST', '/flows', { yaml: EVERY_SECOND })).status).toBe(201);
    await start('b');
    await start('c');
    await until(() => hubs.filter(running).length === 1, 'one replica runs the schedule', 10_000);
    await until(async () => (await fired()).length >= 4, 'four ticks fired', 20_000);

    const leader = hubs.find(running)!;
    hubs.splice(hubs.indexOf(leader), 1);
    const handoverAt = Date.now() / 1000;
    await leader.close();
    const before = (await fired()).length;
    await until(() => hubs.filter(running).length === 1, 'another replica runs the schedule', 10_000);
    await until(async () => (await fired()).length >= before + 4, 'four more ticks fired', 20_000);

    const rows = await fired();
    expect(rows.filter((r) => r.n > 1)).toEqual([]);
    // Every second from the first tick to the last fired: the new leader recovered what the old one had not
    // fired, and a timer it woke late caught up the seconds passed.
    const seconds = new Set(rows.map((r) => Date.parse(r.date) / 1000));
    const firstTick = Math.min(...seconds);
    const through = Math.max(...seconds);
    expect(through).toBeGreaterThan(handoverAt);
    const missing: string[] = [];
    for (let s = firstTick; s <= through; s++)
      if (!seconds.has(s)) missing.push(new Date(s * 1000).toISOString());
    expect(missing).toEqual([]);
  }, 90_000);

  it('moves the schedule when the leader loses its database session, and stops it on the old leader', async () => {
    await until(() => hubs.filter(running).length === 1, 'one replica runs the schedule', 10_000);
    const leader = hubs.find(running)!;
    // What PostgreSQL does to a session whose client vanished: the lock goes with it.
    await sql`SELECT pg_terminate_backend(pid) FROM pg_locks
      WHERE locktype = 'advisory' AND classid = ${0x7465726e} AND objid = 1 AND granted`;
    await until(() => !running(leader), 'the old leader stops the schedule', 10_000);
    await until(() => hubs.filter(running).length === 1, 'one replica runs the schedule again', 10_000);
    const before = (await fired()).length;
    await until(async () => (await fired()).length >= before + 2, 'two more ticks fired', 20_000);
    const rows = await fired();
    expect(rows.filter((r) => r.n > 1)).toEqual([]);
  }, 60_000);
});
