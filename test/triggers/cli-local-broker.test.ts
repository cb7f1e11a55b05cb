/** `tern agent --flows DIR --local-broker PORT` as a real process: a message on its broker starts a flow. */
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import mqtt from 'mqtt';
import { afterEach, describe, expect, it } from 'vitest';
import { threadScheduling } from '../../runtime/thread-priority.js';
import { assertBuilt, ROOT, TERN } from '../support/cli.js';
import { eventually } from './harness.js';

const FLOW = `id: echo
namespace: test.cli
triggers:
  - id: reading
    type: mqtt
    topic: sensors/+
tasks:
  - id: reply
    type: mqtt.publish
    topic: "replies/{{ trigger.topic | split('/') | last }}"
    from:
      celsius: "{{ trigger.payload.celsius }}"
      agent: "{{ agent.id }}"
`;

let child: ChildProcess | undefined;
afterEach(() => {
  child?.kill('SIGKILL');
  child = undefined;
});

describe('tern agent --local-broker', () => {
  it('runs a flow for each message published on its local broker, and stops on SIGTERM', async () => {
    assertBuilt();
    const dir = mkdtempSync(join(tmpdir(), 'tern-cli-broker-'));
    const flows = join(dir, 'flows');
    mkdirSync(flows);
    writeFileSync(join(flows, 'echo.yml'), FLOW);
    const proc = spawn(
      process.execPath,
      [TERN, 'agent', '--flows', flows, '--local-broker', '0', '--data-dir', join(dir, 'data')],
      {
        cwd: ROOT,
        env: { ...process.env, NO_COLOR: '1', TERN_LOG_LEVEL: 'warn' },
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    );
    child = proc;
    let stdout = '';
    let stderr = '';
    proc.stdout?.on('data', (d: Buffer) => {
      stdout += d.toString();
    });
    proc.stderr?.on('data', (d: Buffer) => {
      stderr += d.toString();
    });
    // Port 0: the agent picks a free port and prints it, so no other test can take it in between.
    const url = await eventually(() => {
      const printed = /Local MQTT broker on (mqtt:\/\/127\.0\.0\.1:\d+)/.exec(stdout)?.[1];
      expect(printed, `agent output:\n${stdout}${stderr}`).toBeDefined();
      return printed as string;
    }, 20_000);

    const client = await mqtt.connectAsync(url, { reconnectPeriod: 0 });
    const replies: { topic: string; payload: unknown }[] = [];
    client.on('message', (topic, payload) =>
      replies.push({ topic, payload: JSON.parse(payload.toString()) }),
    );
    await client.subscribeAsync('replies/#', { qos: 1 });
    // The flow subscribes once the agent has started; publish until the first reply shows it listens.
    const deadline = Date.now() + 20_000;
    while (replies.length === 0 && Date.now() < deadline) {
      await client.publishAsync('sensors/cold-room', JSON.stringify({ celsius: 9 }), { qos: 1 });
      await eventually(() => expect(replies.length).toBeGreaterThan(0), 250).catch(() => undefined);
    }
    expect(replies[0]).toEqual({ topic: 'replies/cold-room', payload: { celsius: 9, agent: 'local' } });
    await client.endAsync();

    if (process.platform === 'linux' && proc.pid !== undefined) {
      // V8's helper threads and the store's writer yield the CPU; the event loop keeps its priority.
      const pid = proc.pid;
      const lowered = readdirSync(`/proc/${pid}/task`).filter(
        (tid) => threadScheduling(Number(tid), pid).nice === 19,
      );
      expect(lowered.length).toBeGreaterThanOrEqual(5);
      expect(lowered).not.toContain(String(pid));
    }

    const exited = new Promise<number | null>((resolve) => proc.once('exit', (code) => resolve(code)));
    proc.kill('SIGTERM');
    expect(await exited, stderr).toBe(0);
    expect(stdout).toContain('stopping…');
  }, 60_000);
});
