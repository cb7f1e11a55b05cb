/** `tern rollouts list|show|start|approve|pause|resume|rollback`: rollouts of flow revisions, sets of them, label changes and agent versions. */
import { ROLLOUT_DEFAULTS, type RolloutOptions } from '../../protocol/rollout.js';
import { type ApiClient, enc } from '../client.js';
import { CliError, EXIT_USAGE } from '../errors.js';
import { emit, type Output } from './remote.js';

interface RolloutRow {
  id: string;
  kind?: 'flow' | 'flows' | 'labels' | 'agentVersion';
  agentVersion?: string;
  flows?: { namespace: string; flowId: string; revision: number }[];
  labelChange?: { set?: Record<string, string>; remove?: string[] };
  labels?: Record<string, string>;
  namespace: string;
  flowId: string;
  revision: number;
  status: string;
  stage: number;
  reason?: string;
  failedAgents?: string[];
  stages: {
    name: string;
    agents: string[];
    state: string;
    gate?: { applied: number; failureRate: number };
  }[];
  agents: Record<string, { stage: number; state: string; previousRevision: number | null; reason?: string }>;
  createdAt: string;
}

/** The flags of `tern rollouts start` that shape the rollout. */
export interface StartFlags {
  revision?: string;
  /** An agent version instead of a flow revision. */
  agentVersion?: string;
  /** With `agentVersion`: only the agents with these labels, `key=value,…`. */
  labels?: string;
  /** A label rollout: labels set on each agent, `key=value,…`. */
  setLabels?: string;
  /** A label rollout: labels removed from each agent, `key,…`. */
  removeLabels?: string;
  /** With a label rollout: only the agents with these labels, `key=value,…`. */
  select?: string;
  canary?: string;
  waves?: string;
  pause?: string;
  maxFailureRate?: string;
  failureWindow?: string;
  rollbackOnFailure?: boolean;
}

const pairs = (labels: Record<string, string>) =>
  Object.entries(labels)
    .map(([k, v]) => `${k}=${v}`)
    .join(',');

/** What a rollout changes, in a few words. */
function subject(r: RolloutRow): string {
  switch (r.kind) {
    case 'agentVersion':
      return `agent version ${r.agentVersion}`;
    case 'flows':
      return `flows ${(r.flows ?? []).map((f) => `${f.namespace}.${f.flowId}@${f.revision}`).join(' ')}`;
    case 'labels': {
      const { set = {}, remove = [] } = r.labelChange ?? {};
      const change = [
        ...(Object.keys(set).length > 0 ? [`set ${pairs(set)}`] : []),
        ...(remove.length > 0 ? [`remove ${remove.join(',')}`] : []),
      ];
      return `labels ${change.join(' ')}${r.labels ? ` on ${pairs(r.labels)}` : ''}`;
    }
    default:
      return `${r.namespace}.${r.flowId}  revision ${r.revision}`;
  }
}

const summary = (r: RolloutRow) =>
  `${r.id}  ${subject(r)}  ${r.status}  stage ${Math.min(r.stage + 1, r.stages.length)}/${r.stages.length}`;

export async function rolloutsList(client: ApiClient, out: Output, namespace?: string): Promise<number> {
  const rows = await client.all<RolloutRow>(`/rollouts${namespace ? `?namespace=${enc(namespace)}` : ''}`);
  return emit(out, rows, () => {
    for (const r of rows) out.printer.line(summary(r));
    out.printer.line(`${rows.length} rollout(s)`);
  });
}

export async function rolloutsShow(client: ApiClient, out: Output, id: string): Promise<number> {
  const r = await client.get<RolloutRow>(`/rollouts/${enc(id)}`);
  return emit(out, r, () => printRollout(out, r));
}

/**
 * Starts a rollout of a flow revision (`namespace` and `flowId`; flags left out take the revision's
 * own `rollout:`), of an agent version (`--agent-version`, no flow), or of a label change
 * (`--set-labels`, `--remove-labels`).
 */
export async function rolloutsStart(
  client: ApiClient,
  out: Output,
  namespace: string | undefined,
  flowId: string | undefined,
  flags: StartFlags,
): Promise<number> {
  const options = startOptions(flags);
  const flow = namespace !== undefined && flowId !== undefined;
  const labelChange = flags.setLabels !== undefined || flags.removeLabels !== undefined;
  if ([flow, flags.agentVersion !== undefined, labelChange].filter(Boolean).length !== 1)
    throw new CliError(
      'name one of a flow (<namespace> <flowId>), an agent version (--agent-version), or a label change (--set-labels, --remove-labels)',
      EXIT_USAGE,
    );
  if (!flow && flags.revision !== undefined) throw new CliError('--revision is for a flow', EXIT_USAGE);
  if (!(flags.agentVersion !== undefined) && flags.labels !== undefined)
    throw new CliError(
      '--labels is for an agent version: a flow runs on the agents its runsOn names; a label change takes --select',
      EXIT_USAGE,
    );
  if (!labelChange && flags.select !== undefined)
    throw new CliError('--select is for a label change (--set-labels, --remove-labels)', EXIT_USAGE);
  const body = flow
    ? {
        namespace,
        flowId,
        ...(flags.revision !== undefined && { revision: Number(flags.revision) }),
        ...(options && { options }),
      }
    : labelChange
      ? {
          labels: {
            ...(flags.setLabels !== undefined && { set: labelsOf(flags.setLabels, '--set-labels') }),
            ...(flags.removeLabels !== undefined && { remove: namesOf(flags.removeLabels) }),
          },
          ...(flags.select !== undefined && { agents: labelsOf(flags.select, '--select') }),
          ...(options && { options }),
        }
      : {
          agentVersion: flags.agentVersion,
          ...(flags.labels !== undefined && { labels: labelsOf(flags.labels, '--labels') }),
          ...(options && { options }),
        };
  const r = (await client.request<RolloutRow>('POST', '/rollouts', { json: body })) as RolloutRow;
  return emit(out, r, () => printRollout(out, r));
}

/** `approve`, `pause`, `resume` or `rollback` of one rollout. */
export async function rolloutsAct(
  client: ApiClient,
  out: Output,
  id: string,
  action: 'approve' | 'pause' | 'resume' | 'rollback',
): Promise<number> {
  const r = (await client.request<RolloutRow>('POST', `/rollouts/${enc(id)}/${action}`)) as RolloutRow;
  return emit(out, r, () => out.printer.line(summary(r)));
}

/** The options the flags give, or undefined when none is given. */
export function startOptions(flags: StartFlags): RolloutOptions | undefined {
  const options: RolloutOptions = {};
  if (flags.canary !== undefined) options.canary = canaryOf(flags.canary);
  if (flags.waves !== undefined) {
    const { count, percent } = countOrPercent(flags.waves, '--waves');
    options.waves = percent !== undefined ? { percent } : { size: count ?? 1 };
  }
  if (flags.pause !== undefined) options.pause = flags.pause;
  if (flags.maxFailureRate !== undefined || flags.failureWindow !== undefined) {
    const max = Number(flags.maxFailureRate ?? ROLLOUT_DEFAULTS.gates.failureRate.max);
    if (!(max >= 0 && max <= 1))
      throw new CliError(`--max-failure-rate: '${flags.maxFailureRate}' is not between 0 and 1`, EXIT_USAGE);
    options.gates = { failureRate: { max, ...(flags.failureWindow && { window: flags.failureWindow }) } };
  }
  if (flags.rollbackOnFailure) options.onFailure = 'ROLLBACK';
  return Object.keys(options).length > 0 ? options : undefined;
}

/** `3`, `10%` or `ring=canary` (labels, comma-separated). */
function canaryOf(text: string): NonNullable<RolloutOptions['canary']> {
  if (text.includes('=')) return { labels: labelsOf(text, '--canary') };
  const { count, percent } = countOrPercent(text, '--canary');
  return percent !== undefined ? { percent } : { count: count ?? 1 };
}

/** `key=value,key=value` as labels. */
function labelsOf(text: string, flag: string): Record<string, string> {
  const pairs = text.split(',').map((pair) => {
    const at = pair.indexOf('=');
    if (at <= 0) throw new CliError(`${flag}: '${pair}' is not key=value`, EXIT_USAGE);
    return [pair.slice(0, at), pair.slice(at + 1)] as const;
  });
  return Object.fromEntries(pairs);
}

/** `key,key` as label names. */
function namesOf(text: string): string[] {
  const names = text.split(',').map((n) => n.trim());
  if (names.some((n) => n === ''))
    throw new CliError(`--remove-labels: '${text}' is not key,key,…`, EXIT_USAGE);
  return names;
}

function countOrPercent(text: string, flag: string): { count?: number; percent?: number } {
  const m = /^(\d+(?:\.\d+)?)(%?)$/.exec(text.trim());
  const n = m ? Number(m[1]) : Number.NaN;
  if (!m || !(n > 0) || (m[2] === '' && !Number.isInteger(n)))
    throw new CliError(
      `${flag}: '${text}' is neither a number of agents nor a percentage such as 10%`,
      EXIT_USAGE,
    );
  return m[2] === '%' ? { percent: n } : { count: n };
}

function printRollout(out: Output, r: RolloutRow): void {
  const p = out.printer;
  p.line(summary(r));
  if (r.reason) p.line(`reason: ${r.reason}`);
  if (r.failedAgents?.length) p.line(`failed agents: ${r.failedAgents.join(', ')}`);
  r.stages.forEach((s, i) => {
    const gate = s.gate
      ? `  applied ${s.gate.applied}/${s.agents.length}  failure rate ${s.gate.failureRate.toFixed(2)}`
      : '';
    p.line(`${i === r.stage ? '>' : ' '} ${s.name}  ${s.state}${gate}`);
    for (const id of s.agents) {
      const a = r.agents[id];
      p.line(`    ${id}  ${a?.state ?? '?'}${a?.reason ? `  (${a.reason})` : ''}`);
    }
  });
}
