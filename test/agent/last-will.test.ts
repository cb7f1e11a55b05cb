/**
 * An agent process that dies without a word (SIGKILL): the broker publishes
 * the agent's last will, a retained offline status. Runs the built agent
 * (dist/) as a real process, since a socket in this process cannot die the
 * way a killed process's does.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import mqtt from 'mqtt';
import { afterEach, expect, it } from 'vitest';
import type { Status } from '../../protocol/messages.js';
import { agentTopic } from '../../protocol/topics.js';
import { ROOT } from '../support/cli.js';
import { AGENT_ID, Cleanup, eventually, TOKEN } from './harness.js';
import { brokerUrl, HubStandIn, tempDir, testBroker } from './hub-stand-in.js';

const AGENT_MODULE = join(ROOT, 'dist', 'agent', 'agent.js');

/** Starts an agent from the options in AGENT_OPTIONS and keeps running until killed. */
const SCRIPT = `
const { startAgent } = await import(process.env.AGENT_MODULE);
await startAgent(JSON.parse(process.env.AGENT_OPTIONS));
setInterval(() => {}, 1 << 30);
`;

const cleanup = new Cleanup();
afterEach(() => cleanup.run());

function spawnAgent(url: string): ChildProcess {
  if (!existsSync(AGENT_MODULE)) throw new Error('dist/ is missing: run `npm run build` (npm test does it)');
  const options = {
    id: AGENT_ID,
    hubUrl: url,
    token: TOKEN,
    dataDir: tempDir(),
    sync: { reconnectMinMs: 20 },
  };
  const child = spawn(process.execPath, ['--input-type=module', '-e', SCRIPT], {
    env: { ...process.env, AGENT_MODULE, AGENT_OPTIONS: JSON.stringify(options) },
    stdio: 'ignore',
  });
  cleanup.add(() => child.kill('SIGKILL'));
  return child;
}

it('leaves a retained offline status when its process is killed', async () => {
  const broker = await testBroker({ [AGENT_ID]: TOKEN });
  cleanup.add(() => broker.close());
  const url = brokerUrl(broker);
  const hub = await HubStandIn.connect({ url, ...broker.hubCredentials, agentId: AGENT_ID });
  cleanup.add(() => hub.close());

  const child = spawnAgent(url);
  await eventually(() => expect(hub.status.at(-1)?.value.state).toBe('online'), 20_000);
  const exited = new Promise((resolve) => child.once('exit', resolve));
  child.kill('SIGKILL');
  await exited;
  await eventually(() => expect(hub.status.at(-1)?.value.state).toBe('offline'));

  const late = await mqtt.connectAsync(url, { ...broker.hubCredentials, reconnectPeriod: 0 });
  cleanup.add(() => late.endAsync(true));
  const retained = new Promise<Status>((resolve) =>
    late.on('message', (_t, payload) => resolve(JSON.parse(payload.toString()) as Status)),
  );
  await late.subscribeAsync(agentTopic(AGENT_ID, 'status'), { qos: 1 });
  expect((await retained).state).toBe('offline');
});
