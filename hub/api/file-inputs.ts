/** FILE inputs given through the API: a file uploaded with the request or a storage URI, never a path on the hub. */

import type { Input } from '../../protocol/flow.js';
import { isStorageUri } from '../../runtime/file-storage.js';
import type { RequestProblem } from './validation.js';

/**
 * Problems for every FILE input whose text is neither the path of a file
 * uploaded with this request nor a `tern:///` storage URI. A path would let
 * any API caller have the flow read whatever file the hub (or an agent) can
 * read; `tern run --input f=./local.txt` stays free to name local files, as it
 * runs with its user's own rights. Values that are not text are left to the
 * engine's input checks (422).
 *
 * @example fileInputProblems([{ id: 'doc', type: 'FILE' }], { doc: '/etc/passwd' }, new Set())
 * // [{ in: 'body', path: 'doc', message: "body field 'doc' is a FILE input: …" }]
 */
export function fileInputProblems(
  declared: readonly Input[] | undefined,
  inputs: Record<string, unknown>,
  uploaded: ReadonlySet<string>,
): RequestProblem[] {
  const problems: RequestProblem[] = [];
  for (const input of declared ?? []) {
    if (input.type !== 'FILE' || !Object.hasOwn(inputs, input.id)) continue;
    const value = inputs[input.id];
    if (typeof value !== 'string' || value === '' || uploaded.has(value) || isStorageUri(value)) continue;
    problems.push({
      in: 'body',
      path: input.id,
      message: `body field '${input.id}' is a FILE input: upload the file (a multipart file field) or give a tern:/// storage URI, not a path or URL`,
    });
  }
  return problems;
}
