/** `tern agent`: an agent connected to a hub, or standalone with a folder of flows. */
import { type Command, Option } from 'commander';
import { lowerHelperThreads } from '../../runtime/thread-priority.js';
import type { AgentCommandOptions } from '../commands/agent.js';
import { processVariables } from '../config.js';
import { type CliContext, hubTrust } from './shared.js';

/** Adds `tern agent`. */
export function register(program: Command, cli: CliContext): void {
  const { env, printer, version } = cli;
  const agent = program
    .command('agent')
    .description('run an agent: connected to a hub over MQTT, or standalone with --flows')
    .option('--hub <url>', 'the hub’s MQTT broker, e.g. mqtts://hub:8883 or mqtt://hub:1883')
    .option('--id <id>', 'this agent’s id (as registered with POST /api/v1/agents)')
    .addOption(new Option('--token <token>', 'this agent’s token (TERN_AGENT_TOKEN)').default(env.agentToken))
    .addOption(
      new Option(
        '--hub-key <key>',
        'the hub’s public signing key, as registration gave it (TERN_HUB_KEY); without it the first one seen is trusted',
      ).default(env.hubKey),
    )
    .option('--labels <k=v,...>', 'labels that select which flows it runs')
    .option('--data-dir <dir>', 'local state (SQLite)', '.tern/agent')
    .option('--flows <dir>', 'run the flows of this folder, with no hub')
    .option('--local-broker [port]', 'embed an MQTT broker for local sensors (default port 1883)')
    .option('--local-broker-host <host>', 'interface of the local broker (default 127.0.0.1)')
    .option(
      '--local-broker-limits <json>',
      'local broker limits to change, e.g. \'{"clientPacketBytes": 4194304}\' (docs/security.md)',
    )
    .option('--http-port <port>', "serve the webhooks of the agent's flows on this port")
    .option('--http-host <host>', 'interface of the HTTP listener (default 127.0.0.1)')
    .option('--keepalive <seconds>', 'MQTT keepalive')
    .option('--outbox-max-rows <n>', 'outbox limit: records')
    .option('--outbox-max-bytes <n>', 'outbox limit: bytes')
    .option('--outbox-max-age <duration>', 'outbox limit: age, ISO-8601 (e.g. P7D)')
    .option('--outbox-policy <policy>', 'when the outbox is full: drop-oldest or pause-triggers')
    .option('--trigger-queue <n>', 'executions started by triggers and not yet ended, at most (default 1000)')
    .option('--trigger-queue-full <policy>', 'when that queue is full: wait (hold the source back) or drop')
    .option('--secrets-file <file>', "YAML or JSON map of secrets for secret('NAME') (TERN_SECRET_* too)")
    .addOption(
      new Option(
        '--install-dir <dir>',
        'the launcher’s folder of agent versions (TERN_AGENT_INSTALL_DIR, set by the launcher): the hub may then update this agent',
      ).default(env.agentInstallDir),
    )
    .addOption(
      new Option(
        '--hub-api <url>',
        'the hub’s HTTP API, where new agent versions are downloaded from (TERN_HUB_API_URL)',
      ).default(env.hubApiUrl),
    )
    .option(
      '--update-confirm-within <duration>',
      'how long a new agent version has to connect and sync before the previous one is restored (default PT2M)',
    );
  hubTrust(agent, cli)
    .option(
      '--insecure-skip-tls-verify',
      "accept any certificate from the hub: encrypted, but anyone in between can read the agent's token",
    )
    .action(async (o: Record<string, string | boolean | undefined>) => {
      void lowerHelperThreads();
      const { agentCommand } = await import('../commands/agent.js');
      await agentCommand(
        {
          ...o,
          logLevel: env.logLevel,
          version,
          secretEnvironment: env.secrets,
          renderLimits: env.renderLimits,
          variables: processVariables(env),
        } as AgentCommandOptions,
        printer,
      );
    });
}
