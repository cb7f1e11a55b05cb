/** `tern rollouts list|show|start|approve|pause|resume|rollback`: staged rollouts of flow revisions, sets of them, label changes and agent versions. */
import type { Command } from 'commander';
import type { StartFlags } from '../commands/rollouts.js';
import { type ApiFlags, api, apiContext, type CliContext } from './shared.js';

const load = () => import('../commands/rollouts.js');

/** Adds `tern rollouts` and its subcommands. */
export function register(program: Command, cli: CliContext): void {
  const rollouts = program
    .command('rollouts')
    .description(
      'staged rollouts of flow revisions, sets of them, label changes and agent versions to agents',
    );
  api(
    rollouts.command('list').description('list rollouts, newest first').option('--namespace <ns>'),
    cli,
  ).action(async (o: { namespace?: string } & ApiFlags) => {
    const { client, out } = await apiContext(o, cli);
    process.exitCode = await (await load()).rolloutsList(client, out, o.namespace);
  });
  api(rollouts.command('show').description('a rollout: its stages and agents').argument('<id>'), cli).action(
    async (id: string, o: ApiFlags) => {
      const { client, out } = await apiContext(o, cli);
      process.exitCode = await (await load()).rolloutsShow(client, out, id);
    },
  );
  api(
    rollouts
      .command('start')
      .description(
        "roll a flow revision out to its agents (flags left out take the revision's `rollout:`), an agent version with --agent-version, or a label change with --set-labels/--remove-labels",
      )
      .argument('[namespace]')
      .argument('[flowId]')
      .option('--revision <n>', "the revision (default: the flow's latest)")
      .option(
        '--agent-version <version>',
        'roll this agent version out instead (uploaded with `tern agents versions upload`)',
      )
      .option('--labels <key=value,...>', 'with --agent-version: only the agents with every label given')
      .option(
        '--set-labels <key=value,...>',
        'a label change: set these labels on each agent, stage by stage',
      )
      .option(
        '--remove-labels <key,...>',
        'a label change: remove these labels from each agent, stage by stage',
      )
      .option('--select <key=value,...>', 'with a label change: only the agents with every label given')
      .option('--canary <n|n%|key=value>', 'the first stage: a number of agents, a percentage, or labels')
      .option('--waves <n|n%>', 'agents per wave, or a percentage of all agents')
      .option('--pause <duration|APPROVAL>', 'between stages: an ISO-8601 duration, or wait for `approve`')
      .option(
        '--max-failure-rate <0..1>',
        'failed / all executions of the revision a stage tolerates (default 0.2)',
      )
      .option('--failure-window <duration>', 'how long each stage is watched once applied (default PT1M)')
      .option('--rollback-on-failure', 'roll back when a gate fails (default: stop)'),
    cli,
  ).action(async (ns: string | undefined, flowId: string | undefined, o: StartFlags & ApiFlags) => {
    const { client, out } = await apiContext(o, cli);
    process.exitCode = await (await load()).rolloutsStart(client, out, ns, flowId, o);
  });
  const actions = [
    ['approve', 'start the next stage of a rollout waiting for approval'],
    ['pause', 'hold a rollout where it is'],
    ['resume', 'resume a paused rollout'],
    ['rollback', 'give every agent the rollout reached what it had before: revisions, labels or version'],
  ] as const;
  for (const [action, description] of actions)
    api(rollouts.command(action).description(description).argument('<id>'), cli).action(
      async (id: string, o: ApiFlags) => {
        const { client, out } = await apiContext(o, cli);
        process.exitCode = await (await load()).rolloutsAct(client, out, id, action);
      },
    );
}
