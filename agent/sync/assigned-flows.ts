/** The flows the hub assigned to this agent: kept in memory for the engine and in `assigned_flows` for restarts. */
import type { Database, Statement } from 'better-sqlite3';
import type { Registry } from '../../plugins/registry.js';
import { formatProblem } from '../../protocol/errors.js';
import type { Flow } from '../../protocol/flow.js';
import type { AppliedFlow, DesiredFlow } from '../../protocol/messages.js';
import type { FlowRecord, FlowSource } from '../../runtime/engine/ports.js';
import { parseFlow } from '../../runtime/flow-loader.js';

/** An applied flow: what the hub sent, and the validated flow made from it. */
export interface AssignedFlow {
  assigned: DesiredFlow;
  record: FlowRecord;
}

/** Parses a flow source the way the agent checks it; `problems` is empty when the flow is usable. */
export type FlowParser = (source: string) => { flow?: Flow; problems: string[] };

/** A {@link FlowParser} on the loader, with this agent's plugins and expression checker. */
export function flowParser(
  registry: Registry,
  checkExpression: (t: string) => string | undefined,
): FlowParser {
  return (source) => {
    const result = parseFlow(source, registry, { checkExpression });
    return { flow: result.flow, problems: result.problems.map(formatProblem) };
  };
}

const key = (namespace: string, id: string) => `${namespace}/${id}`;

/**
 * The agent's {@link FlowSource}: each flow at the one revision applied.
 * {@link replace} swaps the whole set, in memory and on disk, at once.
 */
export class AssignedFlows implements FlowSource {
  private flows = new Map<string, AssignedFlow>();
  private readonly selectAll: Statement<[], DesiredFlow>;
  private readonly replaceAll: (flows: readonly DesiredFlow[]) => void;

  constructor(db: Database) {
    this.selectAll = db.prepare('SELECT namespace, id, revision, hash, source FROM assigned_flows');
    const clear = db.prepare('DELETE FROM assigned_flows');
    const insert = db.prepare(
      'INSERT INTO assigned_flows (namespace, id, revision, hash, source) VALUES (?, ?, ?, ?, ?)',
    );
    this.replaceAll = db.transaction((flows: readonly DesiredFlow[]) => {
      clear.run();
      for (const f of flows) insert.run(f.namespace, f.id, f.revision, f.hash, f.source);
    }).immediate;
  }

  /** The sources of the persisted flows, as {@link load} reads them: what their plugin types are. */
  storedSources(): string[] {
    return this.selectAll.all().map((f) => f.source);
  }

  /**
   * Reads the persisted flows into memory; returns those that no longer parse
   * (a plugin gone after an upgrade) with why, which are left out.
   */
  load(parse: FlowParser): { flow: DesiredFlow; problems: string[] }[] {
    const unusable: { flow: DesiredFlow; problems: string[] }[] = [];
    const flows = new Map<string, AssignedFlow>();
    for (const assigned of this.selectAll.all()) {
      const parsed = parse(assigned.source);
      if (parsed.flow && parsed.problems.length === 0) {
        flows.set(key(assigned.namespace, assigned.id), {
          assigned,
          record: { flow: parsed.flow, revision: assigned.revision },
        });
      } else unusable.push({ flow: assigned, problems: parsed.problems });
    }
    this.flows = flows;
    return unusable;
  }

  getFlow(namespace: string, id: string, revision?: number): FlowRecord | undefined {
    const entry = this.flows.get(key(namespace, id));
    if (!entry || (revision !== undefined && entry.record.revision !== revision)) return undefined;
    return entry.record;
  }

  /** The applied entry for `namespace/id`, if any. */
  entry(namespace: string, id: string): AssignedFlow | undefined {
    return this.flows.get(key(namespace, id));
  }

  list(): FlowRecord[] {
    return [...this.flows.values()].map((e) => e.record);
  }

  applied(): AppliedFlow[] {
    return [...this.flows.values()].map(({ assigned: { namespace, id, revision, hash } }) => ({
      namespace,
      id,
      revision,
      hash,
    }));
  }

  /** Makes `entries` the whole set: persisted in one transaction, then swapped in memory. */
  replace(entries: readonly AssignedFlow[]): void {
    this.replaceAll(entries.map((e) => e.assigned));
    this.flows = new Map(entries.map((e) => [key(e.assigned.namespace, e.assigned.id), e]));
  }
}

/** The outcome of a `desired`: the next set of flows and what to report. */
export interface DesiredPlan {
  next: AssignedFlow[];
  refused: { namespace: string; id: string; revision: number; reason: string }[];
}

/**
 * Decides what a `desired` message changes. A flow already applied at the
 * same revision and hash is kept as it is; a new one is parsed; one that
 * cannot run is refused with the loader's reason, and its earlier applied
 * revision, if any, keeps running. `decommissioned` empties the set.
 */
export function planDesired(
  flows: readonly DesiredFlow[],
  decommissioned: boolean,
  current: AssignedFlows,
  parse: FlowParser,
): DesiredPlan {
  if (decommissioned) return { next: [], refused: [] };
  const next: AssignedFlow[] = [];
  const refused: DesiredPlan['refused'] = [];
  for (const wanted of flows) {
    const existing = current.entry(wanted.namespace, wanted.id);
    if (
      existing &&
      existing.assigned.revision === wanted.revision &&
      existing.assigned.hash === wanted.hash
    ) {
      next.push(existing);
      continue;
    }
    const parsed = parse(wanted.source);
    let reason = parsed.problems.join('; ');
    const flow = parsed.flow;
    if (!reason && flow && (flow.namespace !== wanted.namespace || flow.id !== wanted.id)) {
      reason = `the source declares flow ${flow.namespace}.${flow.id}, not ${wanted.namespace}.${wanted.id}`;
    }
    if (!reason && flow) {
      next.push({ assigned: wanted, record: { flow, revision: wanted.revision } });
      continue;
    }
    refused.push({
      namespace: wanted.namespace,
      id: wanted.id,
      revision: wanted.revision,
      reason: reason || 'the flow could not be read',
    });
    if (existing) next.push(existing);
  }
  return { next, refused };
}
