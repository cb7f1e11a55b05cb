/** The namespace file routes: raw and multipart writes, binary reads, listing, revisions, deletes, limits, auth. */
import { expect, it } from 'vitest';
import { describeApi, type HubApi } from '../support/hub-api.js';

const NS = 'files.api';

/** GET of the file's bytes, bypassing the text decoding of `call`. */
async function bytesOf(api: HubApi, query: string): Promise<{ status: number; bytes: number[] }> {
  const res = await fetch(`${api.url}/api/v1/namespaces/${NS}/files?${query}`, {
    headers: { authorization: `Bearer ${api.adminToken}` },
  });
  return { status: res.status, bytes: [...new Uint8Array(await res.arrayBuffer())] };
}

const put = (api: HubApi, path: string, body: RequestInit['body'], type = 'application/octet-stream') =>
  api.call('PUT', `/namespaces/${NS}/files?path=${encodeURIComponent(path)}`, {
    body,
    headers: { 'content-type': type },
  });

describeApi(
  'namespace files through the API',
  (hub) => {
    it('stores a raw body and gives the same bytes back, binary included', async () => {
      const api = hub();
      const blob = new Uint8Array([0, 1, 255, 0, 0xc3, 10]);
      const res = await put(api, '/bin/blob.dat', blob);
      expect(res.status).toBe(200);
      expect(res.body).toMatchObject({ path: 'bin/blob.dat', size: 6, revision: 1 });
      expect(await bytesOf(api, 'path=/bin/blob.dat')).toEqual({ status: 200, bytes: [...blob] });
    });

    it("takes Kestra's multipart form with a fileContent field, on POST as on PUT", async () => {
      const api = hub();
      const form = new FormData();
      form.set('fileContent', new Blob(['SELECT 1;\n']), 'q.sql');
      const res = await api.call('POST', `/namespaces/${NS}/files?path=/sql/q.sql`, { body: form });
      expect(res.status).toBe(200);
      expect(Buffer.from((await bytesOf(api, 'path=sql/q.sql')).bytes).toString()).toBe('SELECT 1;\n');
    });

    it('lists live files by path, under a folder when asked', async () => {
      const api = hub();
      await put(api, 'list/b.txt', 'b');
      await put(api, 'list/a.txt', 'aa');
      await put(api, 'other.txt', 'o');
      const res = await api.call('GET', `/namespaces/${NS}/files/directory?path=/list`);
      expect(res.status).toBe(200);
      expect(res.body.items.map((f: { path: string; size: number }) => [f.path, f.size])).toEqual([
        ['list/a.txt', 2],
        ['list/b.txt', 1],
      ]);
      const namespaces = await api.call('GET', '/namespaces');
      expect(namespaces.body.items).toContain(NS);
    });

    it('keeps every revision readable and stores a delete as a revision', async () => {
      const api = hub();
      await put(api, 'rev.txt', 'one');
      await put(api, 'rev.txt', 'two');
      const del = await api.call('DELETE', `/namespaces/${NS}/files?path=rev.txt`);
      expect(del.status).toBe(204);
      expect((await bytesOf(api, 'path=rev.txt')).status).toBe(404);
      expect(Buffer.from((await bytesOf(api, 'path=rev.txt&revision=1')).bytes).toString()).toBe('one');
      const revisions = await api.call('GET', `/namespaces/${NS}/files/revisions?path=rev.txt`);
      expect(
        revisions.body.items.map((r: { revision: number; deleted: boolean }) => [r.revision, r.deleted]),
      ).toEqual([
        [1, false],
        [2, false],
        [3, true],
      ]);
      expect((await api.call('DELETE', `/namespaces/${NS}/files?path=rev.txt`)).status).toBe(404);
    });

    it('refuses a path that climbs out with 400, and stores nothing', async () => {
      const api = hub();
      const res = await put(api, '../../etc/passwd', 'x');
      expect(res.status).toBe(400);
      expect(res.body.error.message).toContain("'..'");
      expect(api.storage.namespaceFiles.list(NS).some((f) => f.path.includes('passwd'))).toBe(false);
    });

    it("refuses a file over the hub's body limit with 413", async () => {
      const res = await put(hub(), 'big.bin', new Uint8Array(300 * 1024));
      expect(res.status).toBe(413);
      expect(res.body.error.code).toBe('PAYLOAD_TOO_LARGE');
    });

    it('needs a token like every other route', async () => {
      const res = await hub().call('GET', `/namespaces/${NS}/files/directory`, { token: null });
      expect(res.status).toBe(401);
    });
  },
  { bodyLimitBytes: 256 * 1024 },
);

const USES = `id: uses
namespace: ${NS}
tasks:
  - id: run
    type: io.kestra.plugin.scripts.shell.Commands
    namespaceFiles:
      include: ["scripts/**"]
    commands:
      - sh scripts/hello.sh
    outputFiles: [out.txt]
  - id: keep
    type: io.kestra.plugin.core.namespace.UploadFiles
    namespace: ${NS}
    filesMap:
      made/by-flow.txt: "{{ outputs.run.outputFiles['out.txt'] }}"
`;

const MAKE = `id: make
namespace: ${NS}
tasks:
  - id: out
    type: shell
    outputFiles: [out.txt]
    commands: ['echo "made by make" > out.txt']
`;

const TAKE = `id: take
namespace: ${NS}
inputs:
  - id: doc
    type: FILE
tasks:
  - id: read
    type: shell
    inputFiles:
      copy.txt: "{{ inputs.doc }}"
    commands: ['cat copy.txt']
`;

describeApi('namespace files in executions on the hub', (hub) => {
  it("takes a FILE input given as Kestra's kestra:/// URI: the same stored file as tern:///", async () => {
    const api = hub();
    for (const yaml of [MAKE, TAKE]) expect((await api.call('POST', '/flows', { yaml })).status).toBe(201);
    const ended = await api.call('POST', `/executions/${NS}/make?wait=true`, { json: {} });
    const made = await api.call('GET', `/executions/${ended.body.id}`);
    const uri = made.body.taskRuns.find((t: { taskId: string }) => t.taskId === 'out').outputs.outputFiles[
      'out.txt'
    ];
    const taken = await api.call('POST', `/executions/${NS}/take?wait=true`, {
      json: { doc: uri.replace('tern:///', 'kestra:///') },
    });
    expect(taken.body.state).toBe('SUCCESS');
    const logs = await api.call('GET', `/executions/${taken.body.id}/logs?taskId=read`);
    expect(logs.body.items.map((l: { message: string }) => l.message)).toContain('made by make');
  });

  it('copies the files a script task includes and stores what an upload task writes, as revisions', async () => {
    const api = hub();
    await put(api, '/scripts/hello.sh', 'echo "hello from the namespace" | tee out.txt\n');
    expect((await api.call('POST', '/flows', { yaml: USES })).status).toBe(201);
    const res = await api.call('POST', `/executions/${NS}/uses?wait=true`, { json: {} });
    expect(res.body.state).toBe('SUCCESS');
    expect(Buffer.from((await bytesOf(api, 'path=made/by-flow.txt')).bytes).toString()).toBe(
      'hello from the namespace\n',
    );
    const revisions = await api.call('GET', `/namespaces/${NS}/files/revisions?path=made/by-flow.txt`);
    expect(revisions.body.items).toHaveLength(1);
  });
});
