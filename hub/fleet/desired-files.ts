/** The namespace files an agent's `desired` carries: those of the namespaces of its flows, within the message's size limit. */
import { createHash } from 'node:crypto';
import { type DesiredFlow, type DesiredNamespaceFiles, MAX_DESIRED_BYTES } from '../../protocol/messages.js';
import type { NamespaceFileStore } from '../../protocol/plugin.js';

/** Room kept in `desired` for everything but file contents (flows are counted apart). */
const ENVELOPE_BYTES = 64 * 1024;
/** What one file costs in the message beside its base64 content: path, revision, date, JSON punctuation. */
const PER_FILE_BYTES = 1200;

/** The files of an agent's desired state, and what was left out for room. */
export interface DesiredFiles {
  sets: DesiredNamespaceFiles[];
  /** Namespaces whose files did not fit in the message: the agent keeps what it holds of them. */
  omitted: string[];
  /** SHA-256 over every namespace, path and revision sent, and the namespaces omitted: equal when nothing changed. */
  hash: string;
}

/**
 * The live files of each namespace among `flows`, namespaces by name, as long as the message stays under
 * {@link MAX_DESIRED_BYTES}; a namespace that does not fit whole is left out (all or nothing, so the agent
 * never holds half of a namespace's new files).
 */
export function desiredFilesFor(
  files: Pick<NamespaceFileStore, 'list' | 'get'>,
  flows: readonly DesiredFlow[],
): DesiredFiles {
  const namespaces = [...new Set(flows.map((f) => f.namespace))].sort();
  let room = MAX_DESIRED_BYTES - ENVELOPE_BYTES - flows.reduce((n, f) => n + f.source.length * 2 + 512, 0);
  const sets: DesiredNamespaceFiles[] = [];
  const omitted: string[] = [];
  for (const namespace of namespaces) {
    const listed = files.list(namespace);
    const cost = listed.reduce((n, f) => n + Math.ceil(f.size / 3) * 4 + PER_FILE_BYTES, 0);
    if (cost > room) {
      omitted.push(namespace);
      continue;
    }
    room -= cost;
    const out: DesiredNamespaceFiles['files'] = [];
    for (const f of listed) {
      const content = files.get(namespace, f.path);
      if (content === undefined) continue;
      out.push({
        path: f.path,
        revision: f.revision,
        updatedAt: f.updatedAt,
        content: Buffer.from(content.buffer, content.byteOffset, content.byteLength).toString('base64'),
      });
    }
    sets.push({ namespace, files: out });
  }
  const summary = sets.map((s) => [s.namespace, s.files.map((f) => [f.path, f.revision])]);
  const hash = createHash('sha256').update(JSON.stringify({ summary, omitted })).digest('hex');
  return { sets, omitted, hash };
}
