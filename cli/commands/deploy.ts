/**
 * `tern deploy DIR`: makes the hub's flows, and the namespace files of its `_files/` folders, match a folder
 * (GitOps). Every local flow is validated first; nothing is sent if one is invalid. With `--rollout`, the
 * agents' flows it changes reach their agents together in one staged rollout.
 */

import { builtinRegistry } from '../../plugins/builtin.js';
import { formatProblem } from '../../protocol/errors.js';
import type { Flow } from '../../protocol/flow.js';
import { Renderer } from '../../runtime/expr/index.js';
import { findFlowFiles, loadFlowFile } from '../../runtime/flow-loader.js';
import { type ApiClient, enc } from '../client.js';
import { CliError, EXIT_FAILED, EXIT_OK, EXIT_USAGE } from '../errors.js';
import type { Printer } from '../format.js';
import { deployFilesFolder, filesFolders } from './deploy-files.js';
import { type StartFlags, startOptions } from './rollouts.js';

export interface DeployOptions
  extends Pick<
    StartFlags,
    'canary' | 'waves' | 'pause' | 'maxFailureRate' | 'failureWindow' | 'rollbackOnFailure'
  > {
  namespace?: string;
  prune: boolean;
  dryRun: boolean;
  /** The agents' flows changed reach their agents in one staged rollout. */
  rollout?: boolean;
}

interface RemoteFlow {
  namespace: string;
  id: string;
  revision: number;
  source: string;
}

type Action = 'created' | 'updated' | 'unchanged' | 'deleted';

const inScope = (ns: string, scope: string) => ns === scope || ns.startsWith(`${scope}.`);

export async function deployCommand(
  dir: string,
  options: DeployOptions,
  client: ApiClient,
  printer: Printer,
): Promise<number> {
  const files = await findFlowFiles([dir]).catch((err: Error) => {
    throw new CliError(err.message, EXIT_USAGE);
  });
  const registry = builtinRegistry();
  const renderer = new Renderer();
  const local = new Map<string, { flow: Flow; source: string; file: string }>();
  const problems: string[] = [];
  for (const file of files) {
    const r = await loadFlowFile(file, registry, {
      checkExpression: (t) => renderer.check(t),
      saving: true,
    });
    if (!r.flow || r.problems.length > 0) {
      problems.push(...r.problems.map(formatProblem));
      continue;
    }
    const key = `${r.flow.namespace}/${r.flow.id}`;
    if (options.namespace && !inScope(r.flow.namespace, options.namespace)) {
      problems.push(`${file}: namespace ${r.flow.namespace} is outside --namespace ${options.namespace}`);
    } else if (local.has(key)) {
      problems.push(
        `${file}: flow ${r.flow.namespace}.${r.flow.id} is also defined in ${local.get(key)?.file}`,
      );
    } else local.set(key, { flow: r.flow, source: r.source ?? '', file });
  }
  const folders = await filesFolders(dir, [...local.values()], options.namespace, problems);
  for (const f of folders) {
    if (options.namespace && !inScope(f.namespace, options.namespace))
      problems.push(`${f.dir}: namespace ${f.namespace} is outside --namespace ${options.namespace}`);
  }
  if (problems.length > 0) throw new CliError(`nothing deployed:\n${problems.join('\n')}`, EXIT_FAILED);
  const rolloutOptions = options.rollout ? startOptions(options) : undefined;

  const scopes = options.namespace
    ? [options.namespace]
    : [...new Set([...local.values()].map((l) => l.flow.namespace))];
  const remote = new Map<string, RemoteFlow>();
  for (const scope of scopes) {
    for (const f of await client.all<RemoteFlow>(`/flows?namespace=${enc(scope)}`))
      remote.set(`${f.namespace}/${f.id}`, f);
  }

  const counts: Record<Action, number> = { created: 0, updated: 0, unchanged: 0, deleted: 0 };
  const report = (action: Action, name: string, revision?: number) => {
    counts[action]++;
    const rev = revision !== undefined ? ` (revision ${revision})` : '';
    printer.line(
      `${options.dryRun ? 'would be ' : ''}${action.padEnd(9)} ${name}${options.dryRun ? '' : rev}`,
    );
  };
  /** The agents' flows saved, held back from agents until the rollout names them. */
  const staged: { namespace: string; flowId: string; revision: number }[] = [];
  let toStage = 0;
  for (const [key, { flow, source }] of [...local].sort(([a], [b]) => a.localeCompare(b))) {
    const existing = remote.get(key);
    const name = `${flow.namespace}.${flow.id}`;
    if (existing && existing.source === source) {
      report('unchanged', name, existing.revision);
      continue;
    }
    const hold = options.rollout === true && flow.runsOn !== undefined && flow.runsOn !== 'hub';
    if (hold) toStage++;
    let revision: number | undefined;
    if (!options.dryRun) {
      const path = `/flows/${enc(flow.namespace)}/${enc(flow.id)}${hold ? '?hold=true' : ''}`;
      const saved = await client.request<RemoteFlow>('PUT', path, { yaml: source });
      revision = saved?.revision;
      if (hold && revision !== undefined)
        staged.push({ namespace: flow.namespace, flowId: flow.id, revision });
    }
    report(existing ? 'updated' : 'created', name, revision);
  }
  if (options.rollout) await startRollout(client, printer, staged, toStage, rolloutOptions, options.dryRun);
  if (options.prune) {
    for (const [key, f] of [...remote].sort(([a], [b]) => a.localeCompare(b))) {
      if (local.has(key)) continue;
      if (!options.dryRun) await client.request('DELETE', `/flows/${enc(f.namespace)}/${enc(f.id)}`);
      report('deleted', `${f.namespace}.${f.id}`);
    }
  }
  const summary = (c: Record<Action, number>) =>
    `${c.created} created, ${c.updated} updated, ${c.unchanged} unchanged, ${c.deleted} deleted${options.dryRun ? ' (dry run: nothing changed)' : ''}`;
  printer.line(summary(counts));
  if (folders.length === 0) return EXIT_OK;

  const fileCounts: Record<Action, number> = { created: 0, updated: 0, unchanged: 0, deleted: 0 };
  for (const folder of folders) {
    await deployFilesFolder(folder, client, options, (action, name, revision) => {
      fileCounts[action]++;
      const rev = revision !== undefined && !options.dryRun ? ` (revision ${revision})` : '';
      printer.line(`${options.dryRun ? 'would be ' : ''}${action.padEnd(9)} file ${name}${rev}`);
    });
  }
  printer.line(`files: ${summary(fileCounts)}`);
  return EXIT_OK;
}

/** One rollout of every agents' flow the deploy changed; their revisions are held until it names them. */
async function startRollout(
  client: ApiClient,
  printer: Printer,
  flows: { namespace: string; flowId: string; revision: number }[],
  count: number,
  options: ReturnType<typeof startOptions>,
  dryRun: boolean,
): Promise<void> {
  if (count === 0) {
    printer.line('no rollout: no flow that runs on agents changed');
    return;
  }
  if (dryRun) {
    printer.line(`would roll out ${count} flow(s) together`);
    return;
  }
  try {
    const rollout = await client.request<{ id: string; stages: unknown[] }>('POST', '/rollouts', {
      json: { flows, ...(options && { options }) },
    });
    printer.line(
      `rollout ${rollout?.id} started: ${flows.length} flow(s), ${rollout?.stages.length} stage(s); follow it with tern rollouts show ${rollout?.id}`,
    );
  } catch (err) {
    // Each revision saved that agents would run waits in a paused rollout of its own.
    throw new CliError(
      `the flows were saved but their rollout did not start: ${(err as Error).message}\n` +
        'a new revision that agents would run is held from them in a PAUSED rollout of its own (tern rollouts list): resume or roll back each',
      EXIT_FAILED,
    );
  }
}
