/** `tern flows list|show|run`: flows on the hub. */
import type { Command } from 'commander';
import { registerRun } from './executions.js';
import { type ApiFlags, api, apiContext, type CliContext } from './shared.js';

/** Adds `tern flows` and its subcommands. */
export function register(program: Command, cli: CliContext): void {
  const flows = program.command('flows').description('flows on the hub');
  api(
    flows.command('list').description('list flows').option('--namespace <ns>', 'namespace (and below)'),
    cli,
  ).action(async (o: { namespace?: string } & ApiFlags) => {
    const { client, out, remote } = await apiContext(o, cli);
    process.exitCode = await remote.flowsList(client, out, o.namespace);
  });
  api(
    flows.command('show').description("print a flow's source").argument('<namespace>').argument('<id>'),
    cli,
  ).action(async (ns: string, id: string, o: ApiFlags) => {
    const { client, out, remote } = await apiContext(o, cli);
    process.exitCode = await remote.flowsShow(client, out, ns, id);
  });
  registerRun(flows, cli);
}
