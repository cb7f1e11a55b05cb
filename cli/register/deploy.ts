/** `tern deploy`: the hub's flows, and its namespace files, made to match a folder. */
import type { Command } from 'commander';
import type { DeployOptions } from '../commands/deploy.js';
import { type ApiFlags, api, apiContext, type CliContext } from './shared.js';

/** Adds `tern deploy DIR`. */
export function register(program: Command, cli: CliContext): void {
  api(
    program
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
      .option('--dry-run', 'show what would change, change nothing', false)
      .option(
        '--rollout',
        'roll the flows that run on agents out together, stage by stage (docs/rollouts.md); they reach no agent before',
        false,
      )
      .option(
        '--canary <n|n%|key=value>',
        'with --rollout: the first stage, a number of agents, a percentage, or labels',
      )
      .option('--waves <n|n%>', 'with --rollout: agents per wave, or a percentage of all agents')
      .option(
        '--pause <duration|APPROVAL>',
        'with --rollout: between stages, an ISO-8601 duration, or wait for `approve`',
      )
      .option(
        '--max-failure-rate <0..1>',
        'with --rollout: failed / all executions a stage tolerates (default 0.2)',
      )
      .option(
        '--failure-window <duration>',
        'with --rollout: how long each stage is watched once applied (default PT1M)',
      )
      .option('--rollback-on-failure', 'with --rollout: roll back when a gate fails (default: stop)'),
    cli,
  ).action(async (dir: string, o: DeployOptions & ApiFlags) => {
    const { deployCommand } = await import('../commands/deploy.js');
    const { client } = await apiContext(o, cli);
    process.exitCode = await deployCommand(dir, o, client, cli.printer);
  });
}
