/**
 * The `amqp` trigger on an agent (`tern agent --flows`, a real process) against the real
 * RabbitMQ service (TERN_TEST_AMQP_URL): one execution per message, and after the agent
 * is killed mid-stream (SIGKILL, so nothing is acknowledged on the way out) and started
 * again, every message has exactly one execution: none lost, none started twice.
 */
import type { ChildProcess } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import amqplib from 'amqplib';
import BetterSqlite3 from 'better-sqlite3';
import { afterAll, afterEach, beforeAll, expect, it } from 'vitest';
import { assertBuilt, startAgentProcess } from '../support/cli.js';
import { describeWithService } from '../support/services.js';
import { eventually } from '../triggers/harness.js';

const MESSAGES = 200;

describeWithService('TERN_TEST_AMQP_URL', 'amqp trigger on an agent', (url) => {
  let admin: amqplib.ChannelModel;
  let channel: amqplib.Channel;
  let child: ChildProcess | undefined;
  const dir = mkdtempSync(join(tmpdir(), 'tern-amqp-agent-'));

  beforeAll(async () => {
    admin = await amqplib.connect(url);
    channel = await admin.createChannel();
  });
  afterEach(() => {
    child?.kill('SIGKILL');
    child = undefined;
  });
  afterAll(async () => {
    await admin?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  function startAgent(flows: string, data: string): ReturnType<typeof startAgentProcess> {
    const started = startAgentProcess(flows, data);
    child = started.proc;
    return started;
  }

  /** The `n` of every execution the agent stored, read from its database beside it. */
  function executed(data: string): number[] {
    const db = new BetterSqlite3(join(data, 'tern.db'), { readonly: true, fileMustExist: true });
    try {
      return (
        db.prepare("select json_extract(doc, '$.trigger.data.n') as n from executions").all() as {
          n: number;
        }[]
      ).map((r) => r.n);
    } finally {
      db.close();
    }
  }

  it('starts one execution per message; killed mid-stream and started again, it loses none and repeats none', async () => {
    assertBuilt();
    const queue = `tern.test.crash.${randomUUID().slice(0, 8)}`;
    await channel.assertQueue(queue, { durable: true });
    const broker = new URL(url);
    const flows = join(dir, 'flows');
    const data = join(dir, 'data');
    mkdirSync(flows);
    writeFileSync(
      join(flows, 'orders.yml'),
      `id: on-order
namespace: test.amqp
triggers:
  - id: orders
    type: io.kestra.plugin.amqp.RealtimeTrigger
    host: ${broker.hostname}
    port: "${broker.port}"
    username: ${broker.username}
    password: ${broker.password}
    queue: ${queue}
    serdeType: JSON
tasks:
  - id: work
    type: sleep
    duration: PT0.05S
  - id: show
    type: log
    message: "order {{ trigger.data.n }} ({{ trigger.messageId }})"
`,
    );
    for (let n = 1; n <= MESSAGES; n++)
      channel.sendToQueue(queue, Buffer.from(JSON.stringify({ n })), {
        persistent: true,
        messageId: `order-${n}`,
      });

    await eventually(async () => expect((await channel.checkQueue(queue)).messageCount).toBe(MESSAGES));

    const first = startAgent(flows, data);
    // Some messages acknowledged (the queue holds fewer than all, beyond the 16 sent ahead), not all.
    await eventually(
      async () => expect((await channel.checkQueue(queue)).messageCount).toBeLessThan(MESSAGES - 20),
      60_000,
    ).catch((err) => {
      throw new Error(`${(err as Error).message}\nagent output:\n${first.output()}`);
    });
    const killed = new Promise((resolve) => first.proc.once('exit', resolve));
    first.proc.kill('SIGKILL');
    await killed;
    const before = executed(data);
    expect(before.length).toBeGreaterThan(0);
    expect(before.length).toBeLessThan(MESSAGES);
    // The broker takes back what the dead agent held unacknowledged.
    await eventually(async () => expect((await channel.checkQueue(queue)).consumerCount).toBe(0), 30_000);
    expect((await channel.checkQueue(queue)).messageCount).toBeGreaterThanOrEqual(MESSAGES - before.length);

    const second = startAgent(flows, data);
    await eventually(() => expect(new Set(executed(data)).size).toBe(MESSAGES), 90_000).catch((err) => {
      throw new Error(`${(err as Error).message}\nagent output:\n${second.output()}`);
    });
    await eventually(async () => expect((await channel.checkQueue(queue)).messageCount).toBe(0), 30_000);
    const exited = new Promise<number | null>((resolve) => second.proc.once('exit', (code) => resolve(code)));
    second.proc.kill('SIGTERM');
    expect(await exited, second.output()).toBe(0);
    const all = executed(data).sort((a, b) => a - b);
    expect(all).toEqual(Array.from({ length: MESSAGES }, (_, i) => i + 1));
    await channel.deleteQueue(queue);
  }, 180_000);
});
