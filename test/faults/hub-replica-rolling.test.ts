/**
 * A rolling restart of three hub replicas on one PostgreSQL database and one
 * Mosquitto, under load: each replica stopped (SIGTERM) and started again in
 * turn while agents sync continuously and a hub schedule fires every second.
 * Every record is stored once, every tick fires once, and a client that
 * sends again on a refused connection (what a load balancer does) sees no
 * error.
 */
import { request } from 'node:http';
import postgres from 'postgres';
import { expect, it, onTestFinished } from 'vitest';
import { describeWithService } from '../support/services.js';
import { ReplicaStand } from './replica-stand.js';
import { until } from './stand.js';

const ADMIN = 'tern_replica_rolling_admin_token_012345';
const AGENTS = 3;

const EVERY_SECOND = `id: tick
namespace: rolling
triggers:
  - id: second
    type: schedule
    cron: "* * * * * *"
    withSeconds: true
    allowConcurrent: true
tasks:
  - id: hello
    type: log
    message: "{{ trigger.date }}"
`;

/** A client of the replicas, as behind a load balancer: each call goes to the next replica that takes it. */
class ReplicaClient {
  private next = 0;
  /** Calls sent again because a stopping (or not yet started) replica did not take them. */
  resent = 0;

  constructor(private readonly urls: () => readonly string[]) {}

  async post(path: string): Promise<{ status: number; body: { executionIds?: string[] } }> {
    for (;;) {
      const urls = this.urls();
      const url = urls[this.next++ % urls.length]!;
      const outcome = await post(`${url}/api/v1${path}`);
      if ('status' in outcome) return outcome;
      this.resent++;
    }
  }
}

/**
 * One POST on a connection of its own (no kept-alive socket to race a
 * stopping replica). A connection refused, or closed before any byte of an
 * answer, is a request the replica never handled — a stopping hub answers
 * every request it handles — and is sent again, as HAProxy's `retry-on
 * conn-failure empty-response` does. A connection cut mid-answer rejects.
 */
function post(
  url: string,
): Promise<{ status: number; body: { executionIds?: string[] } } | { untaken: string }> {
  return new Promise((resolve, reject) => {
    const req = request(
      url,
      { method: 'POST', agent: false, headers: { authorization: `Bearer ${ADMIN}` } },
      (res) => {
        let text = '';
        res.setEncoding('utf8');
        res.on('data', (chunk: string) => {
          text += chunk;
        });
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body: text ? JSON.parse(text) : {} }));
        res.on('error', reject);
      },
    );
    req.on('error', (err: NodeJS.ErrnoException) => {
      if (err.code === 'ECONNREFUSED' || err.code === 'ECONNRESET') resolve({ untaken: err.code });
      else reject(err);
    });
    req.end();
  });
}

describeWithService('TERN_TEST_MQTT_URL', 'hub replicas: rolling restart under load', () => {
  it('stores every record once and fires every schedule tick once while each replica restarts', {
    timeout: 300_000,
  }, async () => {
    const stand = await ReplicaStand.start({
      name: 'replica-rolling',
      adminToken: ADMIN,
      agents: AGENTS,
      hubArgs: ['--leader-check-ms', '500'],
    });
    onTestFinished(({ task }) => stand.close(task.result?.state === 'fail'));
    const sql = postgres(stand.database.url, { max: 1, onnotice: () => undefined });
    onTestFinished(() => sql.end());
    expect((await stand.api(0).call('PUT', '/flows/rolling/tick', EVERY_SECOND)).status).toBe(201);

    const client = new ReplicaClient(() => stand.hubs.map((h) => h.url));
    const ids = new Map<string, string[]>(stand.agentIds.map((id) => [id, []]));
    let running = true;
    let sent = 0;
    const worker = async (w: number) => {
      while (running) {
        const agentId = stand.agentIds[(sent + w) % AGENTS]!;
        sent++;
        const res = await client.post(`/executions/faults/burst?agent=${agentId}`);
        expect(res.status, JSON.stringify(res.body)).toBe(202);
        ids.get(agentId)!.push(...res.body.executionIds!);
      }
    };
    const workers = Array.from({ length: 3 }, (_, w) => worker(w));
    const ticks = async () =>
      (await sql<{ n: number }[]>`SELECT count(*)::int AS n FROM executions WHERE namespace = 'rolling'`)[0]!
        .n;

    // Load first, then each replica in turn: stopped cleanly, started again, serving before the next goes.
    await until(async () => expect(await ticks()).toBeGreaterThanOrEqual(3));
    for (let i = 0; i < stand.hubs.length; i++) {
      const before = sent;
      await stand.restartHub(i);
      await until(() => expect(sent).toBeGreaterThan(before + 10), 60_000);
    }
    const restartsDoneAt = Date.now();
    running = false;
    await Promise.all(workers);

    await stand.agentsDrained(120_000);
    // The schedule has fired past the last restart on the replica leading now.
    await until(async () => {
      const [row] = await sql<{ last: string }[]>`
        SELECT max(doc->'trigger'->>'date') AS last FROM executions WHERE namespace = 'rolling'`;
      expect(Date.parse(row!.last)).toBeGreaterThan(restartsDoneAt + 2000);
    }, 30_000);
    const figures = await stand.settle(ids);
    const rows = await sql<{ date: string; n: number }[]>`
      SELECT doc->'trigger'->>'date' AS date, count(*)::int AS n FROM executions
      WHERE namespace = 'rolling' GROUP BY 1 ORDER BY 1`;
    const seconds = rows.map((r) => Date.parse(r.date) / 1000);
    const missing: string[] = [];
    for (let s = seconds[0]!; s <= seconds.at(-1)!; s++)
      if (!seconds.includes(s)) missing.push(new Date(s * 1000).toISOString());
    const doubled = rows.filter((r) => r.n > 1);
    console.info(
      `rolling restart: ${JSON.stringify({ ...figures, executions: sent, resentToAnotherReplica: client.resent, ticks: rows.length, ticksMissed: missing.length, ticksDoubled: doubled.length })}`,
    );
    expect(figures.stored).toBe(figures.sent);
    expect(figures.duplicated).toBe(0);
    expect(figures.lost).toBe(0);
    expect(missing).toEqual([]);
    expect(doubled).toEqual([]);
  });
});
