/**
 * `tern deploy DIR`: makes the hub's flows, and the namespace files of its `_files/` folders, match a folder
 * (GitOps). Every local flow is validated first; nothing is sent if one is invalid.
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

export interface DeployOptions {
  namespace?: string;
  prune: boolean;
  dryRun: boolean;
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
  for (const [key, { flow, source }] of [...local].sort(([a], [b]) => a.localeCompare(b))) {
    const existing = remote.get(key);
    const name = `${flow.namespace}.${flow.id}`;
    if (existing && existing.source === source) {
      report('unchanged', name, existing.revision);
      continue;
    }
    let revision: number | undefined;
    if (!options.dryRun) {
      const saved = await client.request<RemoteFlow>('PUT', `/flows/${enc(flow.namespace)}/${enc(flow.id)}`, {
        yaml: source,
      });
      revision = saved?.revision;
    }
    report(existing ? 'updated' : 'created', name, revision);
  }
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
