/** Wires a hub replica to the others: what it changes goes out through PostgreSQL, what they change comes in. */
import type { Logger } from '../../protocol/logger.js';
import type { TokenRevocations } from '../api/revocations.js';
import type { HubEventBus } from '../events.js';
import type { HubSecrets } from '../secrets/hub-secrets.js';
import type { HubSigningKeys } from '../signing/hub-signing-keys.js';
import type { HubStorage } from '../store/types.js';
import type { ReplicaChanges } from './changes.js';
import type { RemoteFollowers } from './remote-follow.js';

export interface FanOutParts {
  changes: ReplicaChanges;
  storage: HubStorage;
  secrets: HubSecrets;
  signingKeys: HubSigningKeys;
  events: HubEventBus;
  remote: RemoteFollowers;
  revocations: TokenRevocations;
  /** A flow another replica saved: this replica's triggers and view of the agents' flows follow it. */
  flowChanged(namespace: string, id: string): Promise<void>;
  logger: Logger;
}

/** How long changed executions gather before they are told, once committed. */
const GATHER_MS = 20;

/**
 * Subscribes to the other replicas' changes and returns `executionsChanged`,
 * through which this replica tells them of its own executions' changes
 * (gathered for a few milliseconds, sent once committed, so that a replica
 * reading them back finds them).
 */
export function fanOut(parts: FanOutParts): { executionsChanged(id: string): void } {
  const { changes, storage, secrets, events, remote, logger } = parts;
  const failed = (what: string) => (err: unknown) =>
    logger.error({ err: String(err) }, `${what} changed by another replica not read back`);
  storage.onKvCommitted((ids) => changes.publish({ kind: 'kv', ids }));
  changes.subscribe((change) => {
    switch (change.kind) {
      case 'flow':
        void parts.flowChanged(change.namespace, change.id).catch(failed('flow'));
        events.emit({ type: 'flow', data: { namespace: change.namespace, id: change.id } });
        return;
      case 'kv':
        void storage.reloadKv(change.ids).catch(failed('KV'));
        return;
      case 'secrets':
        void secrets.reload().catch(failed('secrets'));
        return;
      case 'signingKeys':
        void parts.signingKeys.reload().catch(failed('signing keys'));
        return;
      case 'executions':
        void remote.changed(change.ids);
        if (events.active) void emitExecutions(storage, events, change.ids).catch(failed('execution'));
        return;
      case 'token':
        parts.revocations.revokedElsewhere(change.id);
        return;
      case 'agent':
        if (events.active)
          void storage.agents.get(change.id).then((row) => row && events.emit({ type: 'agent', data: row }));
        return;
    }
  });

  let gathered = new Set<string>();
  let scheduled = false;
  const send = async () => {
    scheduled = false;
    const ids = [...gathered];
    gathered = new Set();
    await storage.executions.flush().catch(() => undefined);
    changes.publish({ kind: 'executions', ids });
  };
  return {
    executionsChanged(id) {
      gathered.add(id);
      if (scheduled) return;
      scheduled = true;
      setTimeout(() => void send(), GATHER_MS).unref();
    },
  };
}

async function emitExecutions(
  storage: HubStorage,
  events: HubEventBus,
  ids: readonly string[],
): Promise<void> {
  for (const id of ids) {
    const found = await storage.executions.get(id);
    if (found) events.emit({ type: 'execution', data: found.execution });
  }
}
