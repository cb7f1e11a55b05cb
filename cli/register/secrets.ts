/** `tern secrets list|set|delete`: the hub's secrets, for {{ secret('NAME') }}. */
import type { Command } from 'commander';
import { type ApiFlags, api, apiContext, type CliContext } from './shared.js';

/** Adds `tern secrets` and its subcommands. */
export function register(program: Command, cli: CliContext): void {
  const secretsCmd = program.command('secrets').description("the hub's secrets, for {{ secret('NAME') }}");
  api(
    secretsCmd
      .command('list')
      .description('list secret names (never values)')
      .option('--namespace <ns>', "only this namespace ('' for global ones)"),
    cli,
  ).action(async (o: { namespace?: string } & ApiFlags) => {
    const { client, out, secrets } = await apiContext(o, cli);
    process.exitCode = await secrets.secretsList(client, out, o.namespace);
  });
  api(
    secretsCmd
      .command('set')
      .description('store a secret, encrypted (the value is read from standard input when not given)')
      .argument('<name>')
      .argument('[value]')
      .option('--namespace <ns>', 'for flows of this namespace and below (default: global)'),
    cli,
  ).action(async (name: string, value: string | undefined, o: { namespace?: string } & ApiFlags) => {
    const { client, out, secrets } = await apiContext(o, cli);
    process.exitCode = await secrets.secretsSet(client, out, name, value, o.namespace);
  });
  api(
    secretsCmd
      .command('delete')
      .description('delete a secret')
      .argument('<name>')
      .option('--namespace <ns>', 'of this namespace (default: global)'),
    cli,
  ).action(async (name: string, o: { namespace?: string } & ApiFlags) => {
    const { client, out, secrets } = await apiContext(o, cli);
    process.exitCode = await secrets.secretsDelete(client, out, name, o.namespace);
  });
}
