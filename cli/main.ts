#!/usr/bin/env node
/**
 * The `tern` command: the composition root that wires the engine, the agent and the hub.
 * Each command loads its code when it runs, so `tern agent` never loads the hub's.
 */
import { Command, CommanderError, Option } from 'commander';
import { lowerHelperThreads } from '../runtime/thread-priority.js';
import type { AgentCommandOptions } from './commands/agent.js';
import { processVariables, readEnvironment } from './config.js';
import { CliError, EXIT_FAILED, EXIT_USAGE } from './errors.js';
import { Printer } from './format.js';

const VERSION = '0.1.0';

const collect = (v: string, acc: string[]) => [...acc, v];
const integer = (name: string) => (v: string) => {
  const n = Number(v);
  if (!Number.isInteger(n) || n < 0) throw new CliError(`${name}: '${v}' is not a whole number`, EXIT_USAGE);
  return n;
};

/** The plugin commands and the registry they describe. */
async function pluginCommands() {
  const [commands, { builtinRegistry }] = await Promise.all([
    import('./commands/plugins.js'),
    import('../plugins/builtin.js'),
  ]);
  return { ...commands, registry: builtinRegistry() };
}

function program(): Command {
  const env = readEnvironment();
  const printer = new Printer(env.color);
  const cmd = new Command('tern')
    .description('Event-driven workflow orchestration for fleets of edge devices')
    .version(VERSION)
    .exitOverride()
    .showHelpAfterError();

  /** --ca-file and --tls-pin (defaults from TERN_CA_FILE and TERN_TLS_PIN): how the hub's certificate is checked. */
  const hubTrust = (c: Command) =>
    c
      .addOption(
        new Option('--ca-file <file>', "the hub's CA certificate, PEM (TERN_CA_FILE)").default(env.caFile),
      )
      .addOption(
        new Option(
          '--tls-pin <pin>',
          'accept only this hub certificate: sha256/<base64 of its public key> or its SHA-256 fingerprint (repeatable; TERN_TLS_PIN)',
        )
          // Pins given as flags replace those of TERN_TLS_PIN rather than adding to them.
          .argParser((pin: string, pins: string[] | undefined) =>
            pins === env.tlsPins || pins === undefined ? [pin] : [...pins, pin],
          )
          .default(env.tlsPins.length > 0 ? env.tlsPins : undefined),
      );
  /** Adds --server/--token (defaults from TERN_SERVER/TERN_TOKEN), the hub's CA and pins, and --json to an API command. */
  const api = (c: Command) =>
    hubTrust(
      c
        .addOption(new Option('--server <url>', 'hub URL (TERN_SERVER)').default(env.server))
        .addOption(new Option('--token <token>', 'API token (TERN_TOKEN)').default(env.token)),
    ).option('--json', 'print JSON', false);
  const context = async (o: {
    server: string;
    token?: string;
    json?: boolean;
    caFile?: string;
    tlsPin?: string[];
  }) => {
    const [{ ApiClient }, remote, secrets, files] = await Promise.all([
      import('./client.js'),
      import('./commands/remote.js'),
      import('./commands/secrets.js'),
      import('./commands/namespace-files.js'),
    ]);
    const tls = o.caFile || o.tlsPin?.length ? { caFile: o.caFile, pins: o.tlsPin } : undefined;
    const client = new ApiClient({ server: o.server, token: o.token, tls });
    return { client, out: { printer, json: o.json === true }, remote, secrets, files };
  };

  cmd
    .command('run')
    .description('run one flow once, locally, and report its outcome')
    .argument('<file>', 'flow file (.yml)')
    .option('-i, --input <key=value>', 'an input value (repeatable)', collect, [])
    .option('--json', 'print exactly one JSON object describing the execution', false)
    .option('--data-dir <dir>', 'where execution state is kept (default .tern/run, or TERN_DATA_DIR)')
    .option(
      '--flows <dir...>',
      'directories of flows available to subflow tasks (default: the file’s directory)',
    )
    .option('--secrets-file <file>', "YAML or JSON map of secrets for secret('NAME') (TERN_SECRET_* too)")
    .option('--resume <id>', 'resume this paused execution; --input gives its onResume inputs')
    .action(
      async (
        file: string,
        opts: {
          input: string[];
          json: boolean;
          dataDir?: string;
          flows?: string[];
          secretsFile?: string;
          resume?: string;
        },
      ) => {
        const { runCommand } = await import('./commands/run.js');
        process.exitCode = await runCommand(file, opts, env);
      },
    );

  cmd
    .command('validate')
    .description('check flow files and print every problem with its line and column')
    .argument('<paths...>', 'flow files or directories')
    .action(async (paths: string[]) => {
      const { validateCommand } = await import('./commands/validate.js');
      process.exitCode = await validateCommand(paths, env);
    });

  cmd
    .command('schema')
    .description('print the flow JSON Schema (for editors and the YAML language server)')
    .action(async () => {
      const [{ flowJsonSchema }, { builtinRegistry }] = await Promise.all([
        import('../runtime/flow-schema.js'),
        import('../plugins/builtin.js'),
      ]);
      process.stdout.write(`${JSON.stringify(flowJsonSchema(builtinRegistry()), null, 2)}\n`);
    });

  const plugins = cmd.command('plugins').description('the task and trigger types this build knows');
  plugins
    .command('list')
    .description('list every task and trigger type with its Kestra aliases')
    .option('--json', 'print JSON', false)
    .action(async (o: { json: boolean }) => {
      const { pluginsList, registry } = await pluginCommands();
      process.exitCode = pluginsList(registry, o.json);
    });
  plugins
    .command('doc')
    .description("print a type's documentation: properties, outputs and examples")
    .argument('<type>', 'a type or a Kestra alias, e.g. docker.run')
    .action(async (type: string) => {
      const { pluginsDoc, registry } = await pluginCommands();
      process.exitCode = pluginsDoc(registry, type);
    });

  cmd
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
    .option('--broker <url>', 'external MQTT broker instead of the embedded one')
    .addOption(
      new Option(
        '--kafka-bridge <file>',
        'forward executions, task outputs and MQTT data to Kafka (TERN_KAFKA_BRIDGE)',
      ).default(env.kafkaBridge),
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
    .action(
      async (o: {
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
      }) => {
        // V8's background threads give way to the event loop and the broker (docs/decisions/store.md).
        void lowerHelperThreads();
        const [{ hubCommand }, { readBridgeConfig }, { triggerQueueInput }, { parseLimits }] =
          await Promise.all([
            import('./commands/hub.js'),
            import('../hub/bridge/config.js'),
            import('./commands/agent.js'),
            import('../runtime/broker-guard/limits.js'),
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
      },
    );

  const agent = cmd
    .command('agent')
    .description('run an agent: connected to a hub over MQTT, or standalone with --flows')
    .option('--hub <url>', 'the hub’s MQTT broker, e.g. mqtts://hub:8883 or mqtt://hub:1883')
    .option('--id <id>', 'this agent’s id (as registered with POST /api/v1/agents)')
    .addOption(new Option('--token <token>', 'this agent’s token (TERN_AGENT_TOKEN)').default(env.agentToken))
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
    .option('--secrets-file <file>', "YAML or JSON map of secrets for secret('NAME') (TERN_SECRET_* too)");
  hubTrust(agent)
    .option(
      '--insecure-skip-tls-verify',
      "accept any certificate from the hub: encrypted, but anyone in between can read the agent's token",
    )
    .action(async (o: Record<string, string | boolean | undefined>) => {
      void lowerHelperThreads();
      const { agentCommand } = await import('./commands/agent.js');
      await agentCommand(
        {
          ...o,
          logLevel: env.logLevel,
          version: VERSION,
          secretEnvironment: env.secrets,
          renderLimits: env.renderLimits,
          variables: processVariables(env),
        } as AgentCommandOptions,
        printer,
      );
    });

  cmd
    .command('start')
    .description(
      'try Tern on this machine: a hub with its embedded database and broker, and the example flows',
    )
    .option('--port <port>', 'HTTP port', integer('--port'), 8080)
    .option('--mqtt-port <port>', 'embedded MQTT broker port', integer('--mqtt-port'), 1883)
    .option('--host <address>', 'address the hub listens on (0.0.0.0: every interface)', '127.0.0.1')
    .option('--data-dir <dir>', 'where everything is kept', '.tern/hub')
    .option('--examples <dir>', 'flows to deploy', 'examples')
    .action(
      async (o: { port: number; mqttPort: number; host: string; dataDir: string; examples: string }) => {
        void lowerHelperThreads();
        const { startCommand } = await import('./commands/start.js');
        await startCommand(
          {
            ...o,
            logLevel: env.logLevel === 'info' ? 'warn' : env.logLevel,
            adminToken: env.adminToken,
            secretKey: env.secretKey,
            secrets: env.secrets,
          },
          printer,
        );
      },
    );

  api(
    cmd
      .command('deploy')
      .description(
        "make the hub's flows, and the namespace files of its _files/ folders, match a folder: create, update and (with --prune) delete",
      )
      .argument('<dir>', 'folder of flow files')
      .option(
        '--namespace <ns>',
        'only this namespace (and those below it); also the namespace of a _files/ folder with no flow beside it',
      )
      .option('--prune', 'delete hub flows and namespace files that are not in the folder', false)
      .option('--dry-run', 'show what would change, change nothing', false),
  ).action(
    async (
      dir: string,
      o: { namespace?: string; prune: boolean; dryRun: boolean; server: string; token?: string },
    ) => {
      const { deployCommand } = await import('./commands/deploy.js');
      const { client } = await context(o);
      process.exitCode = await deployCommand(dir, o, client, printer);
    },
  );

  const flows = cmd.command('flows').description('flows on the hub');
  api(
    flows.command('list').description('list flows').option('--namespace <ns>', 'namespace (and below)'),
  ).action(async (o: { namespace?: string; server: string; token?: string; json: boolean }) => {
    const { client, out, remote } = await context(o);
    process.exitCode = await remote.flowsList(client, out, o.namespace);
  });
  api(
    flows.command('show').description("print a flow's source").argument('<namespace>').argument('<id>'),
  ).action(async (ns: string, id: string, o: { server: string; token?: string; json: boolean }) => {
    const { client, out, remote } = await context(o);
    process.exitCode = await remote.flowsShow(client, out, ns, id);
  });

  const executions = cmd.command('executions').description('executions on the hub');
  for (const parent of [flows, executions]) {
    api(
      parent
        .command('run')
        .description('start an execution of a hub flow')
        .argument('<namespace>')
        .argument('<flowId>')
        .option('-i, --input <key=value>', 'an input value (repeatable)', collect, [])
        .option('--wait', 'wait for the end; exit 1 if it failed', false)
        .option('--agent <id>', "run an agent flow on this agent ('*': every agent it is assigned to)"),
    ).action(
      async (
        ns: string,
        id: string,
        o: { input: string[]; wait: boolean; agent?: string; server: string; token?: string; json: boolean },
      ) => {
        const { client, out, remote } = await context(o);
        process.exitCode = await remote.executionsRun(client, out, ns, id, o);
      },
    );
  }
  api(
    executions
      .command('list')
      .description('list executions, newest first')
      .option('--namespace <ns>')
      .option('--flow <id>')
      .option('--state <states>', 'comma-separated states')
      .option('--limit <n>', 'how many', '20'),
  ).action(
    async (o: {
      namespace?: string;
      flow?: string;
      state?: string;
      limit: string;
      server: string;
      token?: string;
      json: boolean;
    }) => {
      const { client, out, remote } = await context(o);
      process.exitCode = await remote.executionsList(client, out, { ...o, flowId: o.flow });
    },
  );
  api(
    executions
      .command('resume')
      .description('resume a paused execution; --input gives its onResume inputs')
      .argument('<id>')
      .option('-i, --input <key=value>', 'an onResume input (repeatable)', collect, []),
  ).action(async (id: string, o: { input: string[]; server: string; token?: string; json: boolean }) => {
    const { client, out } = await context(o);
    const { executionsResume } = await import('./commands/executions-resume.js');
    process.exitCode = await executionsResume(client, out, id, o.input);
  });
  api(executions.command('show').description('an execution and its task runs').argument('<id>')).action(
    async (id: string, o: { server: string; token?: string; json: boolean }) => {
      const { client, out, remote } = await context(o);
      process.exitCode = await remote.executionsShow(client, out, id);
    },
  );
  api(
    executions
      .command('logs')
      .description("an execution's logs")
      .argument('<id>')
      .option('-f, --follow', 'keep printing until it ends', false),
  ).action(async (id: string, o: { follow: boolean; server: string; token?: string; json: boolean }) => {
    const { client, out, remote } = await context(o);
    process.exitCode = await remote.executionsLogs(client, out, id, o.follow);
  });

  const token = cmd.command('token').description('API tokens');
  api(token.command('create').description('create a token (printed once)').argument('<name>')).action(
    async (name: string, o: { server: string; token?: string; json: boolean }) => {
      const { client, out, remote } = await context(o);
      process.exitCode = await remote.tokenCreate(client, out, name);
    },
  );
  api(token.command('list').description('list tokens')).action(
    async (o: { server: string; token?: string; json: boolean }) => {
      const { client, out, remote } = await context(o);
      process.exitCode = await remote.tokenList(client, out);
    },
  );
  api(token.command('revoke').description('revoke a token').argument('<id>')).action(
    async (id: string, o: { server: string; token?: string; json: boolean }) => {
      const { client, out, remote } = await context(o);
      process.exitCode = await remote.tokenRevoke(client, out, id);
    },
  );

  const secretsCmd = cmd.command('secrets').description("the hub's secrets, for {{ secret('NAME') }}");
  api(
    secretsCmd
      .command('list')
      .description('list secret names (never values)')
      .option('--namespace <ns>', "only this namespace ('' for global ones)"),
  ).action(async (o: { namespace?: string; server: string; token?: string; json: boolean }) => {
    const { client, out, secrets } = await context(o);
    process.exitCode = await secrets.secretsList(client, out, o.namespace);
  });
  api(
    secretsCmd
      .command('set')
      .description('store a secret, encrypted (the value is read from standard input when not given)')
      .argument('<name>')
      .argument('[value]')
      .option('--namespace <ns>', 'for flows of this namespace and below (default: global)'),
  ).action(
    async (
      name: string,
      value: string | undefined,
      o: { namespace?: string; server: string; token?: string; json: boolean },
    ) => {
      const { client, out, secrets } = await context(o);
      process.exitCode = await secrets.secretsSet(client, out, name, value, o.namespace);
    },
  );
  api(
    secretsCmd
      .command('delete')
      .description('delete a secret')
      .argument('<name>')
      .option('--namespace <ns>', 'of this namespace (default: global)'),
  ).action(async (name: string, o: { namespace?: string; server: string; token?: string; json: boolean }) => {
    const { client, out, secrets } = await context(o);
    process.exitCode = await secrets.secretsDelete(client, out, name, o.namespace);
  });

  const filesCmd = cmd
    .command('namespaces')
    .description('namespaces on the hub')
    .command('files')
    .description("a namespace's files (scripts, SQL, configuration) that its flows use");
  type ApiOptions = { server: string; token?: string; json: boolean };
  api(filesCmd.command('list').description('list the live files').argument('<namespace>')).action(
    async (namespace: string, o: ApiOptions) => {
      const { client, out, files } = await context(o);
      process.exitCode = await files.filesList(client, out, namespace);
    },
  );
  api(
    filesCmd.command('get').description("print a file's bytes").argument('<namespace>').argument('<path>'),
  ).action(async (namespace: string, path: string, o: ApiOptions) => {
    const { client, files } = await context(o);
    process.exitCode = await files.filesGet(client, namespace, path);
  });
  api(
    filesCmd
      .command('put')
      .description('store a local file as a namespace file (a new revision when it differs)')
      .argument('<namespace>')
      .argument('<path>', 'path in the namespace, e.g. /scripts/etl.py')
      .argument('<file>', 'local file'),
  ).action(async (namespace: string, path: string, file: string, o: ApiOptions) => {
    const { client, out, files } = await context(o);
    process.exitCode = await files.filesPut(client, out, namespace, path, file);
  });
  api(
    filesCmd
      .command('delete')
      .description('delete a file (its revisions stay on the hub)')
      .argument('<namespace>')
      .argument('<path>'),
  ).action(async (namespace: string, path: string, o: ApiOptions) => {
    const { client, out, files } = await context(o);
    process.exitCode = await files.filesDelete(client, out, namespace, path);
  });

  return cmd;
}

async function main(argv: string[]): Promise<void> {
  try {
    await program().parseAsync(argv);
  } catch (err) {
    if (err instanceof CommanderError) {
      process.exitCode = err.exitCode === 0 ? 0 : EXIT_USAGE;
      return;
    }
    if (err instanceof CliError) {
      process.stderr.write(`${err.message}\n`);
      process.exitCode = err.code;
      return;
    }
    process.stderr.write(`tern: ${(err as Error).message ?? String(err)}\n`);
    process.exitCode = EXIT_FAILED;
    // A hub that could not listen has its storage open already: nothing more will happen, so end here.
    if (
      (err as NodeJS.ErrnoException).code === 'EADDRINUSE' ||
      (err as NodeJS.ErrnoException).code === 'EACCES'
    )
      process.exit(EXIT_FAILED);
  }
}

// Output piped into a reader that has had enough (`tern schema | head`): the rest has nowhere to go,
// which is no error of ours — stop quietly, as other command-line tools do.
process.stdout.on('error', (err: NodeJS.ErrnoException) => {
  if (err.code !== 'EPIPE') throw err;
  process.exit(process.exitCode ?? 0);
});

await main(process.argv);
