/**
 * A hub execution running on a replica that is killed (SIGKILL) is taken
 * over by another replica on the same PostgreSQL database, and ends there.
 */
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect, it, onTestFinished } from 'vitest';
import { freeTcpPort } from '../support/ports.js';
import { type FreshDatabase, freshDatabase } from '../support/postgres.js';
import { describeWithService } from '../support/services.js';
import { HubApiClient, HubProcess } from './hub-process.js';
import { until } from './stand.js';

const ADMIN = 'tern_replica_takeover_admin_token_012345';

const SLOW = `id: slow
namespace: replicas
tasks:
  - id: before
    type: log
    message: before
  - id: wait
    type: pause
    delay: PT4S
  - id: after
    type: log
    message: after
`;

describeWithService('TERN_TEST_PG_URL', 'hub replicas: executions of a killed replica', (pgUrl) => {
  it('are taken over by another replica and end there', { timeout: 120_000 }, async () => {
    const dir = mkdtempSync(join(tmpdir(), 'tern-replica-takeover-'));
    const hubs: HubProcess[] = [];
    let database: FreshDatabase | undefined;
    onTestFinished(async ({ task }) => {
      if (task.result?.state === 'fail')
        for (const n of [1, 2]) {
          const file = join(dir, `hub-${n}.log`);
          if (existsSync(file))
            console.error(`--- ${file}\n${readFileSync(file, 'utf8').split('\n').slice(-40).join('\n')}`);
        }
      for (const h of hubs) await h.stop('SIGKILL').catch(() => undefined);
      await database?.drop().catch(() => undefined);
      rmSync(dir, { recursive: true, force: true });
    });
    database = await freshDatabase(pgUrl, 'tern_replica_takeover');
    for (const n of [1, 2])
      hubs.push(
        await HubProcess.start({
          dataDir: join(dir, `hub-${n}`),
          dbUrl: database.url,
          adminToken: ADMIN,
          mqttPort: await freeTcpPort(),
          logFile: join(dir, `hub-${n}.log`),
        }),
      );
    const [survivor, victim] = hubs.map((h) => new HubApiClient(h.url, ADMIN));
    expect((await survivor!.call('POST', '/flows', SLOW)).status).toBe(201);
    // Runs on the replica killed next: the flow's save is in the database both read.
    const started = await victim!.call('POST', '/executions/replicas/slow');
    expect(started.status).toBe(201);
    const id = started.body.id as string;
    // Mid-way: its first log line is stored, its pause not over.
    await until(async () => {
      const logs = await survivor!.call('GET', `/executions/${id}/logs`);
      expect((logs.body.items as { message: string }[]).map((l) => l.message)).toEqual(['before']);
    });

    await hubs[1]!.stop('SIGKILL');
    const killedAt = Date.now();
    await until(
      async () => expect((await survivor!.call('GET', `/executions/${id}`)).body.state).toBe('SUCCESS'),
      60_000,
    );
    const tookMs = Date.now() - killedAt;
    const logs = await survivor!.call('GET', `/executions/${id}/logs`);
    const messages = (logs.body.items as { message: string }[]).map((l) => l.message);
    expect(messages.filter((m) => m === 'before')).toHaveLength(1);
    expect(messages.filter((m) => m === 'after')).toHaveLength(1);
    console.info(`replica take-over: execution ended ${tookMs} ms after its replica was killed`);
  });
});
