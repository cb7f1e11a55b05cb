#!/usr/bin/env node
/** The `tern` command: the composition root that wires the engine, the agent and the hub. */
import { Command, CommanderError, Option } from 'commander';
import { flowJsonSchema } from '../agent/flow-schema.js';
import { builtinRegistry } from '../agent/local-runtime.js';
import { ApiClient } from './client.js';
import { agentCommand } from './commands/agent.js';
import { deployCommand } from './commands/deploy.js';
import { hubCommand } from './commands/hub.js';
import * as remote from './commands/remote.js';
import { runCommand } from './commands/run.js';
import { startCommand } from './commands/start.js';
import { validateCommand } from './commands/validate.js';
import { readEnvironment } from './config.js';
import { CliError, EXIT_FAILED, EXIT_USAGE } from './errors.js';
import { Printer } from './format.js';

const VERSION = '0.1.0';

const collect = (v: string, acc: string[]) => [...acc, v];
const integer = (name: string) => (v: string) => {
  const n = Number(v);
  if (!Number.isInteger(n) || n < 0) throw new CliError(`${name}: '${v}' is not a whole number`, EXIT_USAGE);
  return n;
};

function program(): Command {
  const env = readEnvironment();
  const printer = new Printer(env.color);
  const cmd = new Command('tern')
    .description('Event-driven workflow orchestration for fleets of edge devices')
    .version(VERSION)
    .exitOverride()
    .showHelpAfterError();

  /** Adds --server/--token (defaults from TERN_SERVER/TERN_TOKEN) and --json to an API command. */
  const api = (c: Command) =>
    c
      .addOption(new Option('--server <url>', 'hub URL (TERN_SERVER)').default(env.server))
      .addOption(new Option('--token <token>', 'API token (TERN_TOKEN)').default(env.token))
      .option('--json', 'print JSON', false);
  const context = (o: { server: string; token?: string; json?: boolean }) => ({
    client: new ApiClient({ server: o.server, token: o.token }),
    out: { printer, json: o.json === true },
  });

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
    .action(
      async (file: string, opts: { input: string[]; json: boolean; dataDir?: string; flows?: string[] }) => {
        process.exitCode = await runCommand(file, opts, env);
      },
    );

  cmd
    .command('validate')
    .description('check flow files and print every problem with its line and column')
    .argument('<paths...>', 'flow files or directories')
    .action(async (paths: string[]) => {
      process.exitCode = await validateCommand(paths, env);
    });

  cmd
    .command('schema')
    .description('print the flow JSON Schema (for editors and the YAML language server)')
    .action(() => {
      process.stdout.write(`${JSON.stringify(flowJsonSchema(builtinRegistry()), null, 2)}\n`);
    });

  cmd
    .command('hub')
    .description('start the hub: REST API, embedded database and MQTT broker')
    .option('--port <port>', 'HTTP port', integer('--port'), 8080)
    .option('--host <host>', 'address to listen on', '0.0.0.0')
    .option('--mqtt-port <port>', 'embedded MQTT broker port', integer('--mqtt-port'), 1883)
    .option('--data-dir <dir>', 'embedded database and files', '.tern/hub')
    .addOption(
      new Option('--db <url>', 'PostgreSQL URL instead of the embedded database (DATABASE_URL)').default(
        env.databaseUrl,
      ),
    )
    .option('--broker <url>', 'external MQTT broker instead of the embedded one')
    .addOption(
      new Option('--retention-days <days>', 'purge executions older than this (TERN_RETENTION_DAYS)')
        .argParser(integer('--retention-days'))
        .default(env.retentionDays),
    )
    .action(
      async (o: {
        port: number;
        host: string;
        mqttPort: number;
        dataDir: string;
        db?: string;
        broker?: string;
        retentionDays?: number;
      }) => {
        await hubCommand(
          {
            port: o.port,
            host: o.host,
            mqttPort: o.mqttPort,
            dataDir: o.dataDir,
            dbUrl: o.db,
            brokerUrl: o.broker,
            adminToken: env.adminToken,
            retentionDays: o.retentionDays,
            logLevel: env.logLevel,
          },
          printer,
        );
      },
    );

  cmd
    .command('agent')
    .description('run an agent: connected to a hub over MQTT, or standalone with --flows')
    .option('--hub <url>', 'the hub’s MQTT broker, e.g. mqtt://hub:1883')
    .option('--id <id>', 'this agent’s id (as registered with POST /api/v1/agents)')
    .addOption(new Option('--token <token>', 'this agent’s token (TERN_AGENT_TOKEN)').default(env.agentToken))
    .option('--labels <k=v,...>', 'labels that select which flows it runs')
    .option('--data-dir <dir>', 'local state (SQLite)', '.tern/agent')
    .option('--flows <dir>', 'run the flows of this folder, with no hub')
    .option('--keepalive <seconds>', 'MQTT keepalive')
    .option('--outbox-max-rows <n>', 'outbox limit: records')
    .option('--outbox-max-bytes <n>', 'outbox limit: bytes')
    .option('--outbox-max-age <duration>', 'outbox limit: age, ISO-8601 (e.g. P7D)')
    .option('--outbox-policy <policy>', 'when the outbox is full: drop-oldest or pause-triggers')
    .action(async (o: Record<string, string | undefined>) => {
      await agentCommand({ ...o, logLevel: env.logLevel, version: VERSION }, printer);
    });

  cmd
    .command('start')
    .description(
      'try Tern on this machine: a hub with its embedded database and broker, and the example flows',
    )
    .option('--port <port>', 'HTTP port', integer('--port'), 8080)
    .option('--mqtt-port <port>', 'embedded MQTT broker port', integer('--mqtt-port'), 1883)
    .option('--data-dir <dir>', 'where everything is kept', '.tern/hub')
    .option('--examples <dir>', 'flows to deploy', 'examples')
    .action(async (o: { port: number; mqttPort: number; dataDir: string; examples: string }) => {
      await startCommand(
        { ...o, logLevel: env.logLevel === 'info' ? 'warn' : env.logLevel, adminToken: env.adminToken },
        printer,
      );
    });

  api(
    cmd
      .command('deploy')
      .description("make the hub's flows match a folder: create, update and (with --prune) delete")
      .argument('<dir>', 'folder of flow files')
      .option('--namespace <ns>', 'only this namespace (and those below it)')
      .option('--prune', 'delete hub flows that are not in the folder', false)
      .option('--dry-run', 'show what would change, change nothing', false),
  ).action(
    async (
      dir: string,
      o: { namespace?: string; prune: boolean; dryRun: boolean; server: string; token?: string },
    ) => {
      const { client } = context(o);
      process.exitCode = await deployCommand(dir, o, client, printer);
    },
  );

  const flows = cmd.command('flows').description('flows on the hub');
  api(
    flows.command('list').description('list flows').option('--namespace <ns>', 'namespace (and below)'),
  ).action(async (o: { namespace?: string; server: string; token?: string; json: boolean }) => {
    const { client, out } = context(o);
    process.exitCode = await remote.flowsList(client, out, o.namespace);
  });
  api(
    flows.command('show').description("print a flow's source").argument('<namespace>').argument('<id>'),
  ).action(async (ns: string, id: string, o: { server: string; token?: string; json: boolean }) => {
    const { client, out } = context(o);
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
        const { client, out } = context(o);
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
      const { client, out } = context(o);
      process.exitCode = await remote.executionsList(client, out, { ...o, flowId: o.flow });
    },
  );
  api(executions.command('show').description('an execution and its task runs').argument('<id>')).action(
    async (id: string, o: { server: string; token?: string; json: boolean }) => {
      const { client, out } = context(o);
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
    const { client, out } = context(o);
    process.exitCode = await remote.executionsLogs(client, out, id, o.follow);
  });

  const token = cmd.command('token').description('API tokens');
  api(token.command('create').description('create a token (printed once)').argument('<name>')).action(
    async (name: string, o: { server: string; token?: string; json: boolean }) => {
      const { client, out } = context(o);
      process.exitCode = await remote.tokenCreate(client, out, name);
    },
  );
  api(token.command('list').description('list tokens')).action(
    async (o: { server: string; token?: string; json: boolean }) => {
      const { client, out } = context(o);
      process.exitCode = await remote.tokenList(client, out);
    },
  );
  api(token.command('revoke').description('revoke a token').argument('<id>')).action(
    async (id: string, o: { server: string; token?: string; json: boolean }) => {
      const { client, out } = context(o);
      process.exitCode = await remote.tokenRevoke(client, out, id);
    },
  );

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
  }
}

await main(process.argv);
