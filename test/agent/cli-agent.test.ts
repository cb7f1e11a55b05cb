/** `tern agent`: flags checked before anything starts, a standalone run, and a run against a hub's broker. */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { Agent } from '../../agent/agent.js';
import { type AgentCommandOptions, agentCommand, agentInput } from '../../cli/commands/agent.js';
import { CliError, EXIT_USAGE } from '../../cli/errors.js';
import { Printer } from '../../cli/format.js';
import { silentLogger } from '../../protocol/logger.js';
import { AGENT_ID, Cleanup, eventually, TOKEN } from './harness.js';
import { brokerUrl, flowSource, HubStandIn, tempDir, testBroker } from './hub-stand-in.js';

const cleanup = new Cleanup();
afterEach(() => cleanup.run());

/** The usage error `run` throws, or undefined. */
async function usageError(opts: AgentCommandOptions): Promise<string | undefined> {
  try {
    await agentCommand(opts, new Printer(false, () => {}), {
      logger: silentLogger,
      until: Promise.resolve(),
    });
  } catch (err) {
    if (err instanceof CliError && err.code === EXIT_USAGE) return err.message;
    throw err;
  }
  return undefined;
}

/** Runs the command until the test says stop; resolves with the running agent and what was printed. */
async function running(opts: AgentCommandOptions) {
  let stop!: () => void;
  const until = new Promise<void>((resolve) => {
    stop = resolve;
  });
  const printed: string[] = [];
  let agent: Agent | undefined;
  const done = agentCommand(opts, new Printer(false, (s) => printed.push(s)), {
    logger: silentLogger,
    until,
    started: (a) => {
      agent = a;
    },
  });
  cleanup.add(async () => {
    stop();
    await done;
  });
  const started = await eventually(() => {
    expect(agent).toBeDefined();
    return agent!;
  });
  const finish = async () => {
    stop();
    await done;
  };
  return { agent: started, printed, stop: finish };
}

describe('bad usage', () => {
  const cases: [string, AgentCommandOptions, RegExp][] = [
    ['neither --hub nor --flows', {}, /--hub <url>.*--flows <dir>/],
    ['--hub without --id', { hub: 'mqtt://127.0.0.1:1883' }, /--id is required/],
    ['--hub with --flows', { hub: 'mqtt://h:1883', id: 'a', flows: '.' }, /--flows is for standalone/],
    ['a label without =', { flows: '.', labels: 'site' }, /--labels: 'site' is not key=value/],
    ['an unknown outbox policy', { flows: '.', outboxPolicy: 'keep-all' }, /--outbox-policy: 'keep-all'/],
    ['a bad outbox age', { flows: '.', outboxMaxAge: 'a week' }, /--outbox-max-age: 'a week'/],
    ['a row limit that is not a number', { flows: '.', outboxMaxRows: 'many' }, /--outbox-max-rows: 'many'/],
    ['an invalid agent id', { hub: 'mqtt://h:1883', id: 'gw/01' }, /id: 'gw\/01' is not a valid agent id/],
    [
      'a hub URL that is not MQTT',
      { hub: 'http://h:8080', id: 'a' },
      /hub: 'http:\/\/h:8080' is not an mqtt:\/\//,
    ],
    ['a zero keepalive', { hub: 'mqtt://h:1883', id: 'a', keepalive: '0' }, /--keepalive: '0'/],
    ['a local broker port that is not a port', { flows: '.', localBroker: 'abc' }, /--local-broker: 'abc'/],
    ['a trigger queue of zero', { flows: '.', triggerQueue: '0' }, /--trigger-queue: '0'/],
    [
      'an unknown trigger queue policy',
      { flows: '.', triggerQueueFull: 'block' },
      /--trigger-queue-full: 'block' is not one of wait, drop/,
    ],
    [
      'a local broker host without the broker',
      { flows: '.', localBrokerHost: '0.0.0.0' },
      /needs --local-broker/,
    ],
  ];
  for (const [what, opts, message] of cases) {
    it(`is refused with exit status 2: ${what}`, async () => {
      expect(await usageError(opts)).toMatch(message);
    });
  }
});

describe('agentInput', () => {
  it('turns the flags into agent options', () => {
    const input = agentInput({
      hub: 'mqtt://hub:1883',
      id: 'gw-01',
      token: 't',
      labels: 'site=plant1,role=gateway',
      keepalive: '20',
      outboxMaxRows: '1000',
      outboxMaxAge: 'PT1H',
      outboxPolicy: 'pause-triggers',
      triggerQueue: '50',
      triggerQueueFull: 'drop',
    });
    expect(input).toMatchObject({
      triggerQueue: { capacity: 50, whenFull: 'drop' },
      id: 'gw-01',
      hubUrl: 'mqtt://hub:1883',
      labels: { site: 'plant1', role: 'gateway' },
      keepaliveSeconds: 20,
      outbox: { maxRows: 1000, maxAgeMs: 3600_000, policy: 'pause-triggers' },
    });
  });

  it('passes the local broker its limits, and refuses limits that are not a JSON object', () => {
    const limits = '{"clientPacketBytes": 4194304}';
    expect(agentInput({ flows: 'f', localBroker: true, localBrokerLimits: limits }).localBroker).toEqual({
      port: undefined,
      host: undefined,
      limits: { clientPacketBytes: 4194304 },
    });
    expect(() => agentInput({ flows: 'f', localBroker: true, localBrokerLimits: 'big' })).toThrow(
      /--local-broker-limits: not JSON/,
    );
  });
});

describe('running', () => {
  it('runs standalone with the flows of a folder, without MQTT', async () => {
    const flows = tempDir();
    writeFileSync(join(flows, 'hello.yml'), flowSource());
    const { agent, printed, stop } = await running({ flows, dataDir: tempDir() });
    expect([agent.connectionState(), agent.flows().map((f) => f.flow.id)]).toEqual(['STANDALONE', ['hello']]);
    expect((await agent.engine.run(agent.flows()[0]!)).state).toBe('SUCCESS');
    await stop();
    expect(printed.join('')).toMatch(/running standalone with 1 flow\(s\)[\s\S]*stopping/);
  });

  it('connects to the hub given with --hub', async () => {
    const broker = await testBroker({ [AGENT_ID]: TOKEN });
    cleanup.add(() => broker.close());
    const hub = await HubStandIn.connect({
      url: brokerUrl(broker),
      ...broker.hubCredentials,
      agentId: AGENT_ID,
    });
    cleanup.add(() => hub.close());
    await running({
      hub: brokerUrl(broker),
      id: AGENT_ID,
      token: TOKEN,
      labels: 'site=plant1',
      dataDir: tempDir(),
    });
    const hello = await eventually(() => {
      expect(hub.hello.length).toBe(1);
      return hub.hello[0]!;
    });
    expect(hello.labels).toEqual({ site: 'plant1' });
  });
});
