/**
 * The sftp.* and ftp.* tasks in flows run by the engine, against the real servers
 * (TERN_TEST_SFTP_URL: OpenSSH; TERN_TEST_FTP_URL: vsftpd, plain and with TLS): upload, list, download,
 * downloads with MOVE and DELETE, move, delete, and what fails how.
 */
import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { posix } from 'node:path';
import { afterAll, afterEach, expect, it } from 'vitest';
import type { EngineFixture } from '../support/engine.js';
import { engineFixture } from '../support/engine.js';
import { describeWithService } from '../support/services.js';
import { connect, PROTOCOLS, removeTree, runFolder } from './server.js';

for (const [variable, proto] of [
  ['TERN_TEST_SFTP_URL', 'sftp'],
  ['TERN_TEST_FTP_URL', 'ftp'],
  // The same vsftpd, with TLS asked for (explicit FTPS) and its self-signed certificate.
  ['TERN_TEST_FTP_URL', 'ftps'],
] as const) {
  describeWithService(variable, `${proto} tasks`, (url) => {
    const server = new URL(url);
    const kestra = `io.kestra.plugin.fs.${proto}`;
    let fx: EngineFixture;
    const root = runFolder(`tasks-${proto}`);
    afterEach(async () => {
      await fx?.close();
    });
    afterAll(async () => {
      const remote = await connect(PROTOCOLS[proto], url);
      await removeTree(remote.fs, posix.join(remote.home, root)).finally(() => remote.fs.close());
    });
    // Paths below the user's home folder (rootDir: false), one folder per test.
    const connection = (password = server.password, port = server.port) => [
      `host: ${server.hostname}`,
      `port: "${port}"`,
      `username: ${server.username}`,
      `password: ${password}`,
      'rootDir: false',
      ...(proto === 'ftps' ? ['insecureTrustAllCertificates: true'] : []),
    ];
    const flow = (tasks: Array<{ id: string; type: string; lines: string[]; own?: boolean }>) =>
      [
        `id: fs-${randomUUID().slice(0, 8)}`,
        'namespace: test.fs',
        'tasks:',
        ...tasks.flatMap((t) => [
          `  - id: ${t.id}`,
          `    type: ${t.type}`,
          ...[...(t.own ? [] : connection()), ...t.lines].map((l) => `    ${l}`),
        ]),
      ].join('\n');
    const files = {
      id: 'files',
      type: 'io.kestra.plugin.core.storage.LocalFiles',
      own: true,
      lines: ['inputs:', '  a.csv: "a,1"', '  b.csv: "b,22"', '  c.txt: "c"', 'outputs: ["*"]'],
    };
    /** The three files stored, then uploaded into `dir`. */
    const seeded = (dir: string) => [
      files,
      {
        id: 'up',
        type: `${kestra}.Uploads`,
        lines: ['from: "{{ outputs.files.uris | values }}"', `to: ${dir}`],
      },
    ];
    const read = (fx: EngineFixture, uri: unknown) =>
      readFileSync(fx.store.files.localPath(String(uri)), 'utf8');

    it('uploads stored files, lists them with a regExp, and downloads one back', async () => {
      fx = engineFixture();
      const dir = `${root}/${randomUUID().slice(0, 8)}`;
      const done = await fx.run(
        flow([
          files,
          {
            id: 'one',
            type: `${kestra}.Upload`,
            lines: ['from: "{{ outputs.files.uris[\'a.csv\'] }}"', `to: ${dir}/in/a.csv`],
          },
          {
            id: 'many',
            type: `${kestra}.Uploads`,
            lines: [
              'from: ["{{ outputs.files.uris[\'b.csv\'] }}", "{{ outputs.files.uris[\'c.txt\'] }}"]',
              `to: ${dir}/in/`,
            ],
          },
          { id: 'list', type: `${kestra}.List`, lines: [`from: ${dir}/in`, 'regExp: ".*\\\\.csv"'] },
          { id: 'get', type: `${kestra}.Download`, lines: [`from: ${dir}/in/b.csv`] },
        ]),
      );
      expect(done.execution.state).toBe('SUCCESS');
      expect(String(done.run('one').outputs?.to)).toMatch(new RegExp(`^${proto}://.*${dir}/in/a\\.csv$`));
      expect(done.run('many').outputs?.files).toHaveLength(2);
      const listed = done.run('list').outputs?.files as Array<Record<string, unknown>>;
      expect(listed.map((f) => [f.name, f.size, f.fileType])).toEqual([
        ['a.csv', 3, 'FILE'],
        ['b.csv', 4, 'FILE'],
      ]);
      expect(listed[0]?.path).toMatch(new RegExp(`${dir}/in/a\\.csv$`));
      expect(Date.parse(String(listed[0]?.updatedDate))).toBeGreaterThan(Date.now() - 600_000);
      expect(read(fx, done.run('get').outputs?.to)).toBe('b,22');
    });

    it('downloads a folder and moves the files taken; a second run finds none', async () => {
      fx = engineFixture();
      const dir = `${root}/${randomUUID().slice(0, 8)}`;
      const downloads = {
        id: 'take',
        type: `${kestra}.Downloads`,
        lines: [`from: ${dir}/in/`, 'action: MOVE', `moveDirectory: ${dir}/archive`],
      };
      const done = await fx.run(
        flow([
          ...seeded(`${dir}/in`),
          downloads,
          { id: 'archived', type: `${kestra}.List`, lines: [`from: ${dir}/archive`] },
        ]),
      );
      expect(done.execution.state).toBe('SUCCESS');
      const taken = done.run('take').outputs as {
        files: Array<{ name: string; path: string }>;
        outputFiles: Record<string, string>;
      };
      expect(taken.files.map((f) => f.name)).toEqual(['a.csv', 'b.csv', 'c.txt']);
      expect(read(fx, taken.files[2]?.path)).toBe('c');
      expect(Object.keys(taken.outputFiles)).toHaveLength(3);
      const archived = done.run('archived').outputs?.files as Array<{ name: string }>;
      expect(archived.map((f) => f.name)).toEqual(['a.csv', 'b.csv', 'c.txt']);
      const again = await fx.run(flow([{ ...downloads, lines: [...downloads.lines.slice(0, 1)] }]));
      expect(again.execution.state).toBe('SUCCESS');
      expect(again.run('take').outputs?.files).toEqual([]);
    });

    it('downloads with DELETE, moves a file into a folder and deletes it', async () => {
      fx = engineFixture();
      const dir = `${root}/${randomUUID().slice(0, 8)}`;
      const done = await fx.run(
        flow([
          ...seeded(`${dir}/in`),
          {
            id: 'take',
            type: `${kestra}.Downloads`,
            lines: [`from: ${dir}/in`, 'regExp: ".*/a\\\\.csv"', 'action: DELETE'],
          },
          { id: 'move', type: `${kestra}.Move`, lines: [`from: ${dir}/in/b.csv`, `to: ${dir}/done/`] },
          {
            id: 'rename',
            type: `${kestra}.Move`,
            lines: [`from: ${dir}/done/b.csv`, `to: ${dir}/done/b2.csv`],
          },
          { id: 'delete', type: `${kestra}.Delete`, lines: [`uri: ${dir}/in/c.txt`] },
          { id: 'again', type: `${kestra}.Delete`, lines: [`uri: ${dir}/in/c.txt`] },
          { id: 'left', type: `${kestra}.List`, lines: [`from: ${dir}`, 'recursive: true'] },
        ]),
      );
      expect(done.execution.state).toBe('SUCCESS');
      expect(done.run('delete').outputs?.deleted).toBe(true);
      expect(done.run('again').outputs?.deleted).toBe(false);
      const left = done.run('left').outputs?.files as Array<{ path: string }>;
      expect(left.map((f) => f.path.slice(f.path.indexOf(dir)))).toEqual([`${dir}/done/b2.csv`]);
    });

    it('fails clearly on a missing file, an existing target, a wrong password and an unreachable server', async () => {
      fx = engineFixture();
      const dir = `${root}/${randomUUID().slice(0, 8)}`;
      const missing = await fx.run(
        flow([{ id: 'get', type: `${kestra}.Download`, lines: [`from: ${dir}/none.csv`] }]),
      );
      expect(missing.execution.state).toBe('FAILED');
      expect(missing.messages('get').join('\n')).toMatch(/from: no file at .*none\.csv/);

      const taken = await fx.run(
        flow([
          ...seeded(`${dir}`),
          { id: 'move', type: `${kestra}.Move`, lines: [`from: ${dir}/a.csv`, `to: ${dir}/b.csv`] },
        ]),
      );
      expect(taken.execution.state).toBe('FAILED');
      expect(taken.messages('move').join('\n')).toMatch(
        /to: .*b\.csv exists \(set `overwrite: true` to replace it\)/,
      );

      const strict = await fx.run(
        flow([
          { id: 'delete', type: `${kestra}.Delete`, lines: [`uri: ${dir}/none.csv`, 'errorOnMissing: true'] },
        ]),
      );
      expect(strict.messages('delete').join('\n')).toMatch(/uri: nothing to delete at/);

      const wrong = await fx.run(
        [
          `id: fs-${randomUUID().slice(0, 8)}`,
          'namespace: test.fs',
          'tasks:',
          '  - id: list',
          `    type: ${kestra}.List`,
          ...[...connection('not-the-password'), 'from: /'].map((l) => `    ${l}`),
        ].join('\n'),
      );
      expect(wrong.execution.state).toBe('FAILED');
      expect(wrong.messages('list').join('\n')).toMatch(
        new RegExp(`${proto}://${server.hostname}:${server.port}: .*(authentication|Login incorrect)`, 'i'),
      );

      const unreachable = await fx.run(
        [
          `id: fs-${randomUUID().slice(0, 8)}`,
          'namespace: test.fs',
          'tasks:',
          '  - id: list',
          `    type: ${kestra}.List`,
          ...[...connection(server.password, '1'), 'from: /'].map((l) => `    ${l}`),
        ].join('\n'),
      );
      expect(unreachable.execution.state).toBe('FAILED');
      expect(unreachable.messages('list').join('\n')).toMatch(
        new RegExp(`${proto}://${server.hostname}:1: .*ECONNREFUSED`),
      );
    });

    if (proto === 'ftps') {
      it('refuses a certificate it cannot verify unless told to trust any', async () => {
        fx = engineFixture();
        const done = await fx.run(
          flow([{ id: 'list', type: `${kestra}.List`, lines: ['from: /'] }]).replace(
            'insecureTrustAllCertificates: true',
            'insecureTrustAllCertificates: false',
          ),
        );
        expect(done.execution.state).toBe('FAILED');
        expect(done.messages('list').join('\n')).toMatch(/ftps:\/\/.*: self[- ]signed certificate/);
      });
    }

    if (proto === 'sftp') {
      it('logs in with a private key (keyfile) instead of a password', async () => {
        const keyPath = process.env.TERN_TEST_SFTP_KEY;
        if (!keyPath) throw new Error('TERN_TEST_SFTP_KEY is not set (deploy/dev/services.sh up sftp)');
        fx = engineFixture();
        const key = readFileSync(keyPath, 'utf8');
        const done = await fx.run(
          [
            `id: fs-${randomUUID().slice(0, 8)}`,
            'namespace: test.fs',
            'tasks:',
            '  - id: list',
            `    type: ${kestra}.List`,
            `    host: ${server.hostname}`,
            `    port: "${server.port}"`,
            `    username: ${server.username}`,
            '    from: /',
            '    rootDir: false',
            '    keyfile: |',
            ...key
              .trimEnd()
              .split('\n')
              .map((l) => `      ${l}`),
          ].join('\n'),
        );
        expect(done.execution.state).toBe('SUCCESS');
      });
    }
  });
}
