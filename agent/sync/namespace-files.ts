/** Applies the namespace files of a `desired` message to the agent's store: each namespace listed is replaced whole. */

import type { Logger } from '../../protocol/logger.js';
import type { DesiredNamespaceFiles } from '../../protocol/messages.js';
import type { SqliteNamespaceFiles } from '../store/namespace-files.js';

/**
 * Makes the agent's files of each listed namespace exactly the hub's (one transaction per namespace, so a
 * running execution reads either the old set or the new one). Applying the same message twice changes nothing;
 * namespaces not listed keep their files, which lets a restarted agent run offline on what it last received.
 */
export function applyNamespaceFiles(
  store: SqliteNamespaceFiles,
  sets: readonly DesiredNamespaceFiles[],
  log: Logger,
): void {
  for (const set of sets) {
    const files = set.files.map((f) => ({
      path: f.path,
      revision: f.revision,
      updatedAt: f.updatedAt,
      content: Buffer.from(f.content, 'base64'),
    }));
    try {
      store.replaceNamespace(set.namespace, files);
      log.info({ namespace: set.namespace, files: files.length }, 'namespace files applied');
    } catch (err) {
      // The namespace keeps its previous files; the others are applied.
      log.error({ namespace: set.namespace, err: String(err) }, 'namespace files refused');
    }
  }
}
