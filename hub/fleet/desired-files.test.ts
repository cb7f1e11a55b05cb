/** desiredFilesFor: the files of the flows' namespaces, whole namespaces only, under desired's size limit. */
import { describe, expect, it } from 'vitest';
import { MAX_DESIRED_BYTES, parseMessage } from '../../protocol/messages.js';
import { MemoryNamespaceFiles } from '../../runtime/namespace-files.js';
import { desiredFilesFor } from './desired-files.js';

const flow = (namespace: string) => ({ namespace, id: 'f', revision: 1, hash: 'h', source: 'id: f\n' });

describe('desiredFilesFor', () => {
  it("sends every file of the flows' namespaces and none of the others", async () => {
    const files = new MemoryNamespaceFiles();
    await files.put('a', 'x.txt', new TextEncoder().encode('x'));
    await files.put('other', 'y.txt', new TextEncoder().encode('y'));
    const { sets, omitted } = desiredFilesFor(files, [flow('a'), flow('b')]);
    expect(
      sets.map((s) => [
        s.namespace,
        s.files.map((f) => [f.path, Buffer.from(f.content, 'base64').toString()]),
      ]),
    ).toEqual([
      ['a', [['x.txt', 'x']]],
      ['b', []],
    ]);
    expect(omitted).toEqual([]);
  });

  it('leaves out a namespace that does not fit, keeping the message one the agent accepts', async () => {
    const files = new MemoryNamespaceFiles();
    const big = new Uint8Array(9 * 1024 * 1024);
    await files.put('a', 'one.bin', big);
    await files.put('b', 'two.bin', big);
    const { sets, omitted, hash } = desiredFilesFor(files, [flow('a'), flow('b')]);
    expect(sets.map((s) => s.namespace)).toEqual(['a']);
    expect(omitted).toEqual(['b']);
    const message = {
      generation: 1,
      flows: [flow('a'), flow('b')],
      namespaceFiles: sets,
      publishedAt: new Date().toISOString(),
    };
    const payload = Buffer.from(JSON.stringify(message));
    expect(payload.byteLength).toBeLessThanOrEqual(MAX_DESIRED_BYTES);
    expect(parseMessage('desired', payload).ok).toBe(true);
    expect(desiredFilesFor(files, [flow('a'), flow('b')]).hash).toBe(hash);
  });
});
