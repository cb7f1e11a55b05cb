/**
 * `tern start` (what `npm start` runs): a hub with its embedded database and
 * broker, a local agent, and the example flows deployed, for trying Tern on
 * one machine.
 */
import { chmodSync, existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import pino from 'pino';
import { startAgent } from '../../agent/agent.js';
import { startHub } from '../../hub/hub.js';
import { builtinRegistry } from '../../plugins/builtin.js';
import { formatProblem } from '../../protocol/errors.js';
import { findFlowFiles, loadFlowFile } from '../../runtime/flow-loader.js';
import type { Printer } from '../format.js';

export interface StartOptions {
  port: number;
  mqttPort: number;
  /** Where the hub's HTTP and MQTT listeners bind: loopback unless asked otherwise. */
  host: string;
  dataDir: string;
  examples: string;
  logLevel: string;
  adminToken?: string;
  /** TERN_SECRET_KEY: encrypts the hub's stored secrets. */
  secretKey?: string;
  /** TERN_SECRET_* variables: global secrets on the hub, and the local agent's secrets. */
  secrets?: Record<string, string>;
}

export async function startCommand(options: StartOptions, printer: Printer): Promise<void> {
  // The admin token of this local setup is kept next to its data, so a restart can print it again.
  const tokenFile = join(options.dataDir, 'admin-token');
  const known = existsSync(tokenFile) ? readFileSync(tokenFile, 'utf8').trim() : undefined;
  const logger = pino({ level: options.logLevel, base: undefined }, pino.destination(2));
  const hub = await startHub(
    {
      port: options.port,
      mqttPort: options.mqttPort,
      host: options.host,
      dataDir: options.dataDir,
      adminToken: options.adminToken ?? known,
      secretKey: options.secretKey,
      secretEnvironment: options.secrets,
    },
    logger,
  );
  const given = options.adminToken ?? known;
  // A revoked token is not worth showing: the hub has logged what to do about it.
  const token = hub.adminToken ?? (given && (await hub.storage.tokens.verify(given)) ? given : undefined);
  if (hub.adminToken) {
    writeFileSync(tokenFile, `${hub.adminToken}\n`);
    chmodSync(tokenFile, 0o600);
  }

  const registry = builtinRegistry();
  const deployed: string[] = [];
  for (const file of await findFlowFiles([options.examples])) {
    const loaded = await loadFlowFile(file, registry);
    if (!loaded.flow || loaded.problems.length > 0) {
      printer.line(
        printer.style('yellow', `skipped ${file}: ${loaded.problems.map(formatProblem).join('; ')}`),
      );
      continue;
    }
    const { outcome } = await hub.storage.flows.save(loaded.flow, loaded.source ?? '');
    if (outcome !== 'unchanged') await hub.flowChanged(loaded.flow.namespace, loaded.flow.id);
    deployed.push(
      `${loaded.flow.namespace}.${loaded.flow.id}${outcome === 'unchanged' ? '' : ` (${outcome})`}`,
    );
  }

  // A local agent, so flows with `runsOn: {labels: {host: local}}` have somewhere to run.
  let agent: Awaited<ReturnType<typeof startAgent>> | undefined;
  if (hub.mqttPort !== undefined) {
    const { token: agentToken } = await hub.storage.agents.register('local', { host: 'local' });
    await hub.fleet.agentRegistered('local');
    const agentOptions = {
      id: 'local',
      hubUrl: `mqtt://127.0.0.1:${hub.mqttPort}`,
      token: agentToken,
      labels: { host: 'local' },
      dataDir: join(options.dataDir, '..', 'agent'),
      secrets: options.secrets,
      logger,
    };
    // The agent's own broker, for sensors: next to the hub's, on loopback.
    const sensorPort = hub.mqttPort === 0 ? 0 : hub.mqttPort + 1;
    agent = await startAgent({ ...agentOptions, localBroker: { port: sensorPort } }).catch(
      async (err: unknown) => {
        printer.line(
          printer.style('yellow', `local agent without its MQTT broker: ${(err as Error).message}`),
        );
        return startAgent(agentOptions);
      },
    );
    // Ready means the agent has applied what the hub wants it to run (at most a few seconds).
    for (let i = 0; i < 100; i++) {
      const status = (await hub.storage.agents.get('local'))?.status as
        | { drift?: boolean; applied?: unknown }
        | undefined;
      if (status?.applied && status.drift === false) break;
      await new Promise((r) => setTimeout(r, 100));
    }
  }

  printer.line('');
  printer.line(printer.style('bold', `Tern is running at ${hub.url}`));
  printer.line(`  API      ${hub.url}/api/v1   (docs: ${hub.url}/api/docs)`);
  if (hub.mqttPort !== undefined)
    printer.line(
      `  MQTT     mqtt://127.0.0.1:${hub.mqttPort}   (WebSocket: ${hub.url.replace(/^http/, 'ws')}/mqtt)`,
    );
  printer.line(`  Flows    ${deployed.length} example flows deployed from ${options.examples}/`);
  if (agent) printer.line('  Agent    local (labels host=local), connected over MQTT');
  if (agent?.localBroker)
    printer.line(`  Sensors  ${agent.localBroker.url}   (the local agent's broker, for mqtt triggers)`);
  if (token) {
    printer.line(`  Token    ${printer.style('bold', token)}   (kept in ${tokenFile})`);
    printer.line('');
    printer.line('Try:');
    printer.line(`  export TERN_SERVER=${hub.url} TERN_TOKEN=${token}`);
    printer.line('  npx tern flows list');
    printer.line('  npx tern flows run tern.examples hello --input name=Ada --wait');
  } else {
    printer.line('  Token    set TERN_ADMIN_TOKEN or remove the data directory to get a new admin token');
  }
  printer.line('');
  printer.line('Press Ctrl+C to stop.');
  await new Promise<void>((resolve) => {
    process.once('SIGINT', () => resolve());
    process.once('SIGTERM', () => resolve());
  });
  printer.line('stopping…');
  await agent?.close();
  await hub.close();
}
