/** `tern hub`: the hub, with its flags and the environment variables that set their defaults. */
import { type Command, Option } from 'commander';
import { lowerHelperThreads } from '../../runtime/thread-priority.js';
import { processVariables } from '../config.js';
import { type ApiFlags, api, apiContext, type CliContext, integer } from './shared.js';

/** `tern hub`'s flags, as commander hands them over. */
interface HubFlags {
  port: number;
  host: string;
  mqttPort: number;
  mqttHost?: string;
  tlsCert?: string;
  tlsKey?: string;
  mqttsPort: number;
  dataDir: string;
  db?: string;
  broker?: string;
  kafkaBridge?: string;
  retentionDays?: number;
  triggerQueue?: string;
  triggerQueueFull?: string;
  mqttLimits?: string;
  bridgeBroker?: string;
  brokerAuthSecret?: string;
  brokerAdmin?: string;
  leaderCheckMs?: number;
  takeOverGraceMs?: number;
}

/** Adds `tern hub`. */
export function register(program: Command, cli: CliContext): void {
  const { env, printer } = cli;
  const hub = program
    .command('hub')
    .description('start the hub: REST API, embedded database and MQTT broker')
    .option('--port <port>', 'HTTP port', integer('--port'), 8080)
    .option('--host <host>', 'address to listen on', '0.0.0.0')
    .option('--mqtt-port <port>', 'embedded MQTT broker port', integer('--mqtt-port'), 1883)
    .option('--mqtt-host <host>', 'address of the plain MQTT listener (default --host; 127.0.0.1 with TLS)')
    .addOption(
      new Option(
        '--tls-cert <file>',
        'certificate (with its chain) for HTTPS and MQTT over TLS, PEM; reloaded when it changes (TERN_TLS_CERT)',
      ).default(env.tlsCertFile),
    )
    .addOption(new Option('--tls-key <file>', 'its private key, PEM (TERN_TLS_KEY)').default(env.tlsKeyFile))
    .option('--mqtts-port <port>', 'MQTT over TLS port, with --tls-cert', integer('--mqtts-port'), 8883)
    .option('--data-dir <dir>', 'embedded database and files', '.tern/hub')
    .addOption(
      new Option('--db <url>', 'PostgreSQL URL instead of the embedded database (DATABASE_URL)').default(
        env.databaseUrl,
      ),
    )
    .addOption(
      new Option(
        '--broker <url>',
        'external MQTT broker instead of the embedded one, credentials in the URL (TERN_BROKER_URL)',
      ).default(env.brokerUrl),
    )
    .addOption(
      new Option(
        '--leader-check-ms <ms>',
        "with --db: how often a replica tries to become the one running schedules and retention, and the one that does checks it still is; the longest a dead leader's schedules wait (TERN_LEADER_CHECK_MS, default 2000)",
      )
        .argParser(integer('--leader-check-ms'))
        .default(env.leaderCheckMs),
    )
    .addOption(
      new Option(
        '--take-over-grace-ms <ms>',
        'with --db: how old an unfinished hub execution of a replica gone must be before another takes it over (TERN_TAKE_OVER_GRACE_MS, default 10000)',
      )
        .argParser(integer('--take-over-grace-ms'))
        .default(env.takeOverGraceMs),
    )
    .addOption(
      new Option(
        '--kafka-bridge <file>',
        'forward executions, task outputs and MQTT data to Kafka (TERN_KAFKA_BRIDGE)',
      ).default(env.kafkaBridge),
    )
    .addOption(
      new Option(
        '--bridge-broker <url>',
        "with --broker and --kafka-bridge: the bridge's own login for its MQTT routes, e.g. mqtt://tern-hub-bridge:…@broker:1883 (TERN_BRIDGE_BROKER_URL; docs/mosquitto.md)",
      ).default(env.bridgeBrokerUrl),
    )
    .addOption(
      new Option(
        '--broker-admin <url>',
        "with --broker on Mosquitto 2: a login with the dynamic-security plugin's admin role, e.g. mqtt://tern-admin:…@broker:1883; the hub then keeps agents' logins and topic rights in the broker (TERN_BROKER_ADMIN_URL, preferred: the process list shows flags; docs/mosquitto.md)",
      ).default(env.brokerAdminUrl),
    )
    .addOption(
      new Option(
        '--broker-auth-secret <secret>',
        "serve /api/v1/broker/… to EMQX's HTTP auth and VerneMQ's webhooks, which must send this secret (TERN_BROKER_AUTH_SECRET, preferred: the process list shows flags; docs/external-brokers.md)",
      ).default(env.brokerAuthSecret),
    )
    .addOption(
      new Option('--retention-days <days>', 'purge executions older than this (TERN_RETENTION_DAYS)')
        .argParser(integer('--retention-days'))
        .default(env.retentionDays),
    )
    .option('--trigger-queue <n>', 'executions started by triggers and not yet ended, at most (default 1000)')
    .option('--trigger-queue-full <policy>', 'when that queue is full: wait (hold the source back) or drop')
    .addOption(
      new Option(
        '--mqtt-limits <json>',
        'embedded broker limits to change, e.g. \'{"connectsPerSecondPerAddress": 100}\' (TERN_MQTT_LIMITS; docs/security.md)',
      ).default(env.mqttLimits),
    )
    .action(async (o: HubFlags) => {
      // V8's background threads give way to the event loop and the broker (docs/decisions/store.md).
      void lowerHelperThreads();
      const [{ hubCommand }, { readBridgeConfig }, { triggerQueueInput }, { parseLimits }] =
        await Promise.all([
          import('../commands/hub.js'),
          import('../../hub/bridge/config.js'),
          import('../commands/agent.js'),
          import('../../runtime/broker-guard/limits.js'),
        ]);
      await hubCommand(
        {
          port: o.port,
          host: o.host,
          mqttPort: o.mqttPort,
          mqttHost: o.mqttHost,
          tls: { certFile: o.tlsCert, keyFile: o.tlsKey },
          mqttsPort: o.mqttsPort,
          dataDir: o.dataDir,
          dbUrl: o.db,
          brokerUrl: o.broker,
          bridgeBrokerUrl: o.bridgeBroker,
          brokerAuthSecret: o.brokerAuthSecret,
          brokerAdminUrl: o.brokerAdmin,
          leaderCheckMs: o.leaderCheckMs,
          takeOverGraceMs: o.takeOverGraceMs,
          adminToken: env.adminToken,
          retentionDays: o.retentionDays,
          triggerQueue: triggerQueueInput(o),
          logLevel: env.logLevel,
          secretKey: env.secretKey,
          secretEnvironment: env.secrets,
          renderLimits: env.renderLimits,
          variables: processVariables(env),
          kafkaBridge: o.kafkaBridge === undefined ? undefined : readBridgeConfig(o.kafkaBridge),
          mqttLimits: o.mqttLimits === undefined ? undefined : parseLimits(o.mqttLimits, '--mqtt-limits'),
        },
        printer,
      );
    });
  registerKeys(hub, cli);
}

/** Adds `tern hub keys list` and `tern hub keys rotate [--finish]`: the keys the hub signs agents' desired states with. */
function registerKeys(hub: Command, cli: CliContext): void {
  const keys = hub.command('keys').description("the hub's signing keys, for agents' desired states");
  api(
    keys.command('list').description('list the keys (the current one is what `tern agent --hub-key` takes)'),
    cli,
  ).action(async (o: ApiFlags) => {
    const { client, out } = await apiContext(o, cli);
    const { keysList } = await import('../commands/signing-keys.js');
    process.exitCode = await keysList(client, out);
  });
  api(
    keys
      .command('rotate')
      .description('begin a key rotation: a next key, announced to every agent; --finish makes it sign')
      .option('--finish', 'end the rotation: the next key signs from now on', false),
    cli,
  ).action(async (o: { finish: boolean } & ApiFlags) => {
    const { client, out } = await apiContext(o, cli);
    const { keysRotate } = await import('../commands/signing-keys.js');
    process.exitCode = await keysRotate(client, out, o.finish);
  });
}
