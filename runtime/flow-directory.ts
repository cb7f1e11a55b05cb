/** Flows read from files: the FlowSource of `tern run` and of a standalone agent. */

import type { Registry } from '../plugins/registry.js';
import type { Problem } from '../protocol/errors.js';
import type { FlowRecord, FlowSource } from './engine/ports.js';
import { findFlowFiles, loadFlowFile } from './flow-loader.js';

export interface LoadedFlowFile {
  file: string;
  record?: FlowRecord;
  problems: Problem[];
}

/** Flows kept in memory by `namespace/id`; the revision is the flow's own `revision`, or 1. */
export class FlowDirectory implements FlowSource {
  private readonly flows = new Map<string, FlowRecord>();

  add(record: FlowRecord): void {
    this.flows.set(`${record.flow.namespace}/${record.flow.id}`, record);
  }

  getFlow(namespace: string, id: string, revision?: number): FlowRecord | undefined {
    const record = this.flows.get(`${namespace}/${id}`);
    if (!record || (revision !== undefined && record.revision !== revision)) return undefined;
    return record;
  }

  list(): FlowRecord[] {
    return [...this.flows.values()];
  }

  /** Loads every flow file under `paths`; files with problems are reported, not added. */
  async load(
    paths: string[],
    registry: Registry,
    check?: (t: string) => string | undefined,
  ): Promise<LoadedFlowFile[]> {
    const files = await findFlowFiles(paths);
    const results: LoadedFlowFile[] = [];
    for (const file of files) {
      const result = await loadFlowFile(file, registry, { checkExpression: check });
      if (result.flow && result.problems.length === 0) {
        const record = { flow: result.flow, revision: result.flow.revision ?? 1 };
        this.add(record);
        results.push({ file, record, problems: [] });
      } else results.push({ file, problems: result.problems });
    }
    return results;
  }
}
