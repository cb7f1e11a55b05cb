/** `tern agents versions upload|list`, `set-version` (agents updating themselves from the hub) and `rotate-token`. */
import type { Command } from 'commander';
import { type ApiFlags, api, apiContext, type CliContext } from './shared.js';

const load = () => import('../commands/agent-versions.js');
const loadToken = () => import('../commands/agent-token.js');

/** Adds `tern agents` and its subcommands. */
export function register(program: Command, cli: CliContext): void {
  const agents = program
    .command('agents')
    .description("the hub's agents: the versions they run, their tokens");
  const versions = agents
    .command('versions')
    .description('agent bundles on the hub, for agents to update themselves (docs/rollouts.md)');
  api(
    versions
      .command('upload')
      .description(
        'upload a bundle archive (npm run build:agent -- --version V writes dist/tern-agent-V.tar.gz)',
      )
      .argument('<version>', 'the version the bundle was built as')
      .argument('<file>', 'the .tar.gz archive'),
    cli,
  ).action(async (version: string, file: string, o: ApiFlags) => {
    const { client, out } = await apiContext(o, cli);
    process.exitCode = await (await load()).versionsUpload(client, out, file, version);
  });
  api(versions.command('list').description('the agent versions on the hub, newest first'), cli).action(
    async (o: ApiFlags) => {
      const { client, out } = await apiContext(o, cli);
      process.exitCode = await (await load()).versionsList(client, out);
    },
  );
  api(
    agents
      .command('set-version')
      .description(
        'ask an agent to run a version: it downloads, checks and swaps it, and restores the previous one if the new one does not confirm',
      )
      .argument('<agentId>')
      .argument('<version>', 'an uploaded version, or none'),
    cli,
  ).action(async (agentId: string, version: string, o: ApiFlags) => {
    const { client, out } = await apiContext(o, cli);
    process.exitCode = await (await load()).setVersion(client, out, agentId, version);
  });
  api(
    agents
      .command('rotate-token')
      .description(
        'give a live agent a new broker token, printed once; its old token is refused and its sessions end at once',
      )
      .argument('<agentId>'),
    cli,
  ).action(async (agentId: string, o: ApiFlags) => {
    const { client, out } = await apiContext(o, cli);
    process.exitCode = await (await loadToken()).rotateToken(client, out, agentId);
  });
}
