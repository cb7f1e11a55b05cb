/** The hello an agent sends on each connect: who it is, what it runs and how far its outbox has got. */
import type { Registry } from '../../plugins/registry.js';
import { appliedStateHash, type Hello } from '../../protocol/messages.js';
import type { AssignedFlows } from './assigned-flows.js';
import type { Outbox } from './outbox.js';

export interface HelloSources {
  agentId: string;
  version: string;
  labels: Record<string, string>;
  registry: Registry;
  assigned: AssignedFlows;
  outbox: Outbox;
  /** The generation of the desired state last applied. */
  generation(): number;
  /** When this agent process started (ISO-8601). */
  startedAt: string;
}

/** The hello as of now, from the agent's current state. */
export function helloMessage(s: HelloSources): Hello {
  return {
    agentId: s.agentId,
    version: s.version,
    pluginTypes: [...s.registry.typeNames()],
    labels: s.labels,
    appliedHash: appliedStateHash(s.assigned.applied()),
    generation: s.generation(),
    outbox: {
      highSeq: s.outbox.highSeq,
      ackedSeq: s.outbox.ackedSeq,
      depth: s.outbox.depth,
      store: s.outbox.storeId,
    },
    startedAt: s.startedAt,
  };
}
