/** The namespace files an agent's `desired` carries: those of the namespaces of its flows, within the message's size limit. */
import { createHash } from 'node:crypto';
import { type DesiredFlow, type DesiredNamespaceFiles, MAX_DESIRED_BYTES } from '../../protocol/messages.js';
import type { NamespaceFileStore } from '../../protocol/plugin.js';

/** Room kept in `desired` for its generation, date and punctuation. */
const ENVELOPE_BYTES = 4 * 1024;

/** Bytes of a value as JSON text: what it adds to the message. */
const jsonBytes = (value: unknown): number => Buffer.byteLength(JSON.stringify(value));

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
  let room = MAX_DESIRED_BYTES - ENVELOPE_BYTES - jsonBytes(flows);
  const sets: DesiredNamespaceFiles[] = [];
  const omitted: string[] = [];
  for (const namespace of namespaces) {
    const listed = files.list(namespace);
    // A cheap bound first (base64 is 4/3 of the bytes), so a namespace far too large is never encoded.
    if (listed.reduce((n, f) => n + Math.ceil(f.size / 3) * 4, 0) > room) {
      omitted.push(namespace);
      continue;
    }
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
    const set = { namespace, files: out };
    const cost = jsonBytes(set) + 1;
    if (cost > room) {
      omitted.push(namespace);
      continue;
    }
    room -= cost;
    sets.push(set);
  }
  const summary = sets.map((s) => [s.namespace, s.files.map((f) => [f.path, f.revision])]);
  const hash = createHash('sha256').update(JSON.stringify({ summary, omitted })).digest('hex');
  return { sets, omitted, hash };
}
