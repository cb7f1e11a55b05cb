/**
 * The `sftp` and `ftp` triggers (Kestra's fs.sftp.Trigger, fs.ftp.Trigger) in a trigger runtime,
 * against the real servers: a file fires once, also across a restart of the runtime; MOVE and
 * DELETE; an unreachable server is said once and polled on.
 */
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, posix } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { Protocol, RemoteFs } from '../../plugins/fs/remote.js';
import { parseOrThrow } from '../support/engine.js';
import { describeWithService } from '../support/services.js';
import { eventually, type TriggerRig, triggerRig } from '../triggers/harness.js';
import { connect, PROTOCOLS, removeTree, runFolder } from './server.js';

describe('sftp, ftp and ftps trigger properties', () => {
  const flow = (type: string, more: string) =>
    `id: on-files\nnamespace: test.fs\ntriggers:\n  - id: watch\n    type: ${type}\n    host: files\n    from: /in\n${more}tasks:\n  - id: show\n    type: log\n    message: hi\n`;

  it('refuses MOVE without moveDirectory, an interval that is not a duration and a bad regExp', () => {
    for (const type of ['sftp', 'io.kestra.plugin.fs.ftp.Trigger', 'ftps']) {
      expect(() => parseOrThrow(flow(type, '    action: MOVE\n'))).toThrow(
        /`action: MOVE` needs `moveDirectory`/,
      );
      expect(() => parseOrThrow(flow(type, '    interval: often\n'))).toThrow(/'often' is not a duration/);
      expect(() => parseOrThrow(flow(type, '    regExp: "(a"\n'))).toThrow(
        /regExp: '\(a' is not a regular expression/,
      );
      expect(() => parseOrThrow(flow(type, '    action: MOVE\n    moveDirectory: /archive\n'))).not.toThrow();
    }
  });
});

for (const [variable, protocol] of [
  ['TERN_TEST_SFTP_URL', PROTOCOLS.sftp],
  ['TERN_TEST_FTP_URL', PROTOCOLS.ftp],
  ['TERN_TEST_FTP_URL', PROTOCOLS.ftps],
] as const) {
  const proto = protocol.name;
  describeWithService(variable, `${proto} trigger`, (url) => {
    const server = new URL(url);
    const local = mkdtempSync(join(tmpdir(), `tern-${proto}-trigger-`));
    let rig: TriggerRig | undefined;
    let remote: { fs: RemoteFs; home: string };

    const root = runFolder(`trigger-${proto}`);
    beforeAll(async () => {
      remote = await connect(protocol as Protocol, url);
    });
    afterEach(async () => {
      await rig?.close();
      rig = undefined;
    });
    afterAll(async () => {
      if (remote) await removeTree(remote.fs, posix.join(remote.home, root));
      await remote?.fs.close();
      rmSync(local, { recursive: true, force: true });
    });

    /** Puts a file on the server, below the home folder. */
    async function put(path: string, text: string): Promise<void> {
      const file = join(local, randomUUID());
      writeFileSync(file, text);
      const target = posix.join(remote.home, path);
      await remote.fs.mkdirs(posix.dirname(target));
      await remote.fs.upload(file, target);
    }
    const names = async (dir: string) =>
      (await remote.fs.list(posix.join(remote.home, dir), false)).map((f) => f.name);

    const flow = (dir: string, more: string[] = [], port = server.port) =>
      [
        'id: on-files',
        'namespace: test.fs',
        'triggers:',
        '  - id: watch',
        `    type: io.kestra.plugin.fs.${proto}.Trigger`,
        ...[
          `host: ${server.hostname}`,
          `port: "${port}"`,
          `username: ${server.username}`,
          `password: ${server.password}`,
          'rootDir: false',
          ...(proto === 'ftps' ? ['insecureTrustAllCertificates: true'] : []),
          `from: ${dir}/in`,
          ...(more.some((l) => l.startsWith('interval:')) ? [] : ['interval: PT0.5S']),
          ...more,
        ].map((l) => `    ${l}`),
        'tasks:',
        '  - id: show',
        '    type: log',
        '    message: "{{ trigger.files | length }}"',
      ].join('\n');
    const fired = (r: TriggerRig) =>
      r.started.map((e) => ((e.trigger?.files ?? []) as Array<{ name: string }>).map((f) => f.name));
    const polls = (r: TriggerRig) => r.logs.filter((l) => l.message.startsWith('polled ')).length;

    it('fires once for each new file, and not again for files already fired', async () => {
      const dir = `${root}/${randomUUID().slice(0, 8)}`;
      await put(`${dir}/in/a.csv`, 'a');
      rig = triggerRig();
      await rig.deploy(flow(dir));
      await eventually(() => expect(rig?.started).toHaveLength(1), 20_000);
      const [first] = rig.started;
      expect(first?.trigger?.files).toEqual([
        expect.objectContaining({
          name: 'a.csv',
          size: 1,
          fileType: 'FILE',
          path: `${remote.home}${dir}/in/a.csv`,
        }),
      ]);
      // Later polls find the same file and start nothing.
      const after = polls(rig);
      await eventually(() => expect(polls(rig as TriggerRig)).toBeGreaterThanOrEqual(after + 2), 20_000);
      expect(rig.started).toHaveLength(1);
      await put(`${dir}/in/b.csv`, 'bb');
      await eventually(() => expect(rig?.started).toHaveLength(2), 20_000);
      expect(fired(rig)).toEqual([['a.csv'], ['b.csv']]);
      // A file that changes is new again.
      await put(`${dir}/in/a.csv`, 'a, changed');
      await eventually(() => expect(rig?.started).toHaveLength(3), 20_000);
      expect(fired(rig)[2]).toEqual(['a.csv']);
    }, 60_000);

    it('offers a batch held back again as it was, and the files that came meanwhile after it', async () => {
      const dir = `${root}/${randomUUID().slice(0, 8)}`;
      await put(`${dir}/in/a.csv`, 'a');
      let refusing: string | undefined = 'the device is updating';
      rig = triggerRig({ refusal: () => refusing });
      await rig.deploy(flow(dir));
      await eventually(
        () => expect(rig?.logs.some((l) => l.message.includes('1 new file(s) not fired now'))).toBe(true),
        20_000,
      );
      await put(`${dir}/in/b.csv`, 'b');
      refusing = undefined;
      await eventually(() => expect(rig?.started).toHaveLength(2), 20_000);
      expect(fired(rig)).toEqual([['a.csv'], ['b.csv']]);
    }, 60_000);

    it('keeps what it fired across a restart of the runtime', async () => {
      const dir = `${root}/${randomUUID().slice(0, 8)}`;
      await put(`${dir}/in/a.csv`, 'a');
      rig = triggerRig();
      await rig.deploy(flow(dir));
      await eventually(() => expect(rig?.started).toHaveLength(1), 20_000);
      await rig.fx.engine.idle();
      const kept = rig.dir;
      await rig.close(true);
      rig = undefined;
      await put(`${dir}/in/b.csv`, 'b');
      try {
        rig = triggerRig({ dir: kept });
        await rig.deploy(flow(dir));
        await eventually(() => expect(rig?.started).toHaveLength(1), 20_000);
        expect(fired(rig)).toEqual([['b.csv']]);
      } finally {
        await rig?.close();
        rig = undefined;
        rmSync(kept, { recursive: true, force: true });
      }
    }, 60_000);

    it('moves the files it fired, and reports them where they went', async () => {
      const dir = `${root}/${randomUUID().slice(0, 8)}`;
      await put(`${dir}/in/a.csv`, 'a');
      await put(`${dir}/in/b.txt`, 'b');
      rig = triggerRig();
      await rig.deploy(flow(dir, ['regExp: ".*\\\\.csv"', 'action: MOVE', `moveDirectory: ${dir}/archive`]));
      await eventually(() => expect(rig?.started).toHaveLength(1), 20_000);
      expect(rig.started[0]?.trigger?.files).toEqual([
        expect.objectContaining({ name: 'a.csv', path: `${remote.home}${dir}/archive/a.csv` }),
      ]);
      await eventually(async () => expect(await names(`${dir}/archive`)).toEqual(['a.csv']), 20_000);
      expect(await names(`${dir}/in`)).toEqual(['b.txt']);
    }, 60_000);

    it('deletes the files it fired once their execution has succeeded', async () => {
      const dir = `${root}/${randomUUID().slice(0, 8)}`;
      await put(`${dir}/in/a.csv`, 'a');
      rig = triggerRig();
      await rig.deploy(flow(dir, ['action: DELETE']));
      await eventually(() => expect(rig?.started).toHaveLength(1), 20_000);
      await eventually(async () => expect(await names(`${dir}/in`)).toEqual([]), 20_000);
      expect(rig.started).toHaveLength(1);
    }, 60_000);

    it('says once that the server is unreachable, and polls on', async () => {
      const dir = `${root}/${randomUUID().slice(0, 8)}`;
      rig = triggerRig();
      await rig.deploy(flow(dir, [], '1'));
      await eventually(
        () =>
          expect(
            rig?.logs.filter(
              (l) => l.level === 'warn' && l.message.includes(`${proto}://${server.hostname}:1: `),
            ),
          ).toHaveLength(1),
        20_000,
      );
      expect(rig.started).toHaveLength(0);
    }, 60_000);
  });
}
