/** `tern executions run|list|resume|approve|deny|show|logs`: executions on the hub. */
import type { Command } from 'commander';
import { type ApiFlags, api, apiContext, type CliContext, collect } from './shared.js';

/** Adds `run NAMESPACE FLOW_ID` under `parent` (`tern flows run` and `tern executions run` are the same command). */
export function registerRun(parent: Command, cli: CliContext): void {
  api(
    parent
      .command('run')
      .description('start an execution of a hub flow')
      .argument('<namespace>')
      .argument('<flowId>')
      .option('-i, --input <key=value>', 'an input value (repeatable)', collect, [])
      .option('--wait', 'wait for the end; exit 1 if it failed', false)
      .option('--agent <id>', "run an agent flow on this agent ('*': every agent it is assigned to)"),
    cli,
  ).action(
    async (ns: string, id: string, o: { input: string[]; wait: boolean; agent?: string } & ApiFlags) => {
      const { client, out, remote } = await apiContext(o, cli);
      process.exitCode = await remote.executionsRun(client, out, ns, id, o);
    },
  );
}

/** Adds `tern executions` and its subcommands. */
export function register(program: Command, cli: CliContext): void {
  const executions = program.command('executions').description('executions on the hub');
  registerRun(executions, cli);
  api(
    executions
      .command('list')
      .description('list executions, newest first')
      .option('--namespace <ns>')
      .option('--flow <id>')
      .option('--state <states>', 'comma-separated states')
      .option('--limit <n>', 'how many', '20'),
    cli,
  ).action(async (o: { namespace?: string; flow?: string; state?: string; limit: string } & ApiFlags) => {
    const { client, out, remote } = await apiContext(o, cli);
    process.exitCode = await remote.executionsList(client, out, { ...o, flowId: o.flow });
  });
  api(
    executions
      .command('resume')
      .description('resume a paused execution; --input gives its onResume inputs')
      .argument('<id>')
      .option('-i, --input <key=value>', 'an onResume input (repeatable)', collect, []),
    cli,
  ).action(async (id: string, o: { input: string[] } & ApiFlags) => {
    const { client, out } = await apiContext(o, cli);
    const { executionsResume } = await import('../commands/executions-resume.js');
    process.exitCode = await executionsResume(client, out, id, o.input);
  });
  for (const [name, decision] of [
    ['approve', 'APPROVED'],
    ['deny', 'DENIED'],
  ] as const)
    api(
      executions
        .command(name)
        .description(`${name} a paused approval; --input gives its inputs`)
        .argument('<id>')
        .option('-c, --comment <text>', "the reviewer's comment")
        .option('--task-run <id>', 'the approval task run, when several are paused')
        .option('-i, --input <key=value>', "a value for the approval's inputs (repeatable)", collect, []),
      cli,
    ).action(async (id: string, o: { input: string[]; comment?: string; taskRun?: string } & ApiFlags) => {
      const { client, out } = await apiContext(o, cli);
      const { executionsReview } = await import('../commands/executions-review.js');
      process.exitCode = await executionsReview(client, out, id, decision, o);
    });
  api(executions.command('show').description('an execution and its task runs').argument('<id>'), cli).action(
    async (id: string, o: ApiFlags) => {
      const { client, out, remote } = await apiContext(o, cli);
      process.exitCode = await remote.executionsShow(client, out, id);
    },
  );
  api(
    executions
      .command('logs')
      .description("an execution's logs")
      .argument('<id>')
      .option('-f, --follow', 'keep printing until it ends', false),
    cli,
  ).action(async (id: string, o: { follow: boolean } & ApiFlags) => {
    const { client, out, remote } = await apiContext(o, cli);
    process.exitCode = await remote.executionsLogs(client, out, id, o.follow);
  });
}
