/** `tern token create|list|revoke`: the hub's API tokens. */
import type { Command } from 'commander';
import { type ApiFlags, api, apiContext, type CliContext } from './shared.js';

/** Adds `tern token` and its subcommands. */
export function register(program: Command, cli: CliContext): void {
  const token = program.command('token').description('API tokens');
  api(token.command('create').description('create a token (printed once)').argument('<name>'), cli).action(
    async (name: string, o: ApiFlags) => {
      const { client, out, remote } = await apiContext(o, cli);
      process.exitCode = await remote.tokenCreate(client, out, name);
    },
  );
  api(token.command('list').description('list tokens'), cli).action(async (o: ApiFlags) => {
    const { client, out, remote } = await apiContext(o, cli);
    process.exitCode = await remote.tokenList(client, out);
  });
  api(token.command('revoke').description('revoke a token').argument('<id>'), cli).action(
    async (id: string, o: ApiFlags) => {
      const { client, out, remote } = await apiContext(o, cli);
      process.exitCode = await remote.tokenRevoke(client, out, id);
    },
  );
}
