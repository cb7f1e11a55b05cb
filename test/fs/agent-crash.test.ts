/**
 * The `sftp` trigger on an agent (`tern agent --flows`, a real process) against the real SFTP
 * server (TERN_TEST_SFTP_URL): one file per execution (`maxFiles: 1`); after the agent is killed
 * mid-stream (SIGKILL) and started again, every file has exactly one execution: none lost, none
 * fired twice.
 */
import type { ChildProcess } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, posix } from 'node:path';
import BetterSqlite3 from 'better-sqlite3';
import { afterAll, afterEach, expect, it } from 'vitest';
import { assertBuilt, startAgentProcess } from '../support/cli.js';
import { describeWithService } from '../support/services.js';
import { eventually } from '../triggers/harness.js';
import { connect, PROTOCOLS, removeTree, runFolder } from './server.js';

const FILES = 30;

describeWithService('TERN_TEST_SFTP_URL', 'sftp trigger on an agent', (url) => {
  let child: ChildProcess | undefined;
  const dir = mkdtempSync(join(tmpdir(), 'tern-sftp-agent-'));
  const root = runFolder('agent-crash');
  afterEach(() => {
    child?.kill('SIGKILL');
    child = undefined;
  });
  afterAll(async () => {
    const remote = await connect(PROTOCOLS.sftp, url);
    await removeTree(remote.fs, posix.join(remote.home, root)).finally(() => remote.fs.close());
    rmSync(dir, { recursive: true, force: true });
  });

  function startAgent(flows: string, data: string): ReturnType<typeof startAgentProcess> {
    const started = startAgentProcess(flows, data);
    child = started.proc;
    return started;
  }

  /** The name of the file of every execution the agent stored, read from its database. */
  function fired(data: string): string[] {
    const db = new BetterSqlite3(join(data, 'tern.db'), { readonly: true, fileMustExist: true });
    try {
      const rows = db
        .prepare("select json_extract(doc, '$.trigger.files') as files from executions")
        .all() as { files: string }[];
      return rows.flatMap((r) => (JSON.parse(r.files) as { name: string }[]).map((f) => f.name));
    } finally {
      db.close();
    }
  }

  it('fires each file once; killed mid-stream and started again, it loses none and repeats none', async () => {
    assertBuilt();
    const server = new URL(url);
    const remote = await connect(PROTOCOLS.sftp, url);
    const names = Array.from({ length: FILES }, (_, i) => `f${String(i + 1).padStart(2, '0')}.csv`);
    try {
      const inbox = posix.join(remote.home, root, 'in');
      await remote.fs.mkdirs(inbox);
      const local = join(dir, 'file.csv');
      writeFileSync(local, 'x');
      for (const name of names) await remote.fs.upload(local, posix.join(inbox, name));
    } finally {
      await remote.fs.close();
    }
    const flows = join(dir, 'flows');
    const data = join(dir, 'data');
    mkdirSync(flows);
    writeFileSync(
      join(flows, 'inbox.yml'),
      `id: on-file
namespace: test.fs
triggers:
  - id: inbox
    type: io.kestra.plugin.fs.sftp.Trigger
    host: ${server.hostname}
    port: "${server.port}"
    username: ${server.username}
    password: ${server.password}
    rootDir: false
    from: ${root}/in
    maxFiles: 1
    interval: PT0.1S
tasks:
  - id: show
    type: log
    message: "{{ trigger.files[0].name }}"
`,
    );

    const first = startAgent(flows, data);
    await eventually(() => expect(fired(data).length).toBeGreaterThanOrEqual(5), 60_000).catch((err) => {
      throw new Error(`${(err as Error).message}\nagent output:\n${first.output()}`);
    });
    const killed = new Promise((resolve) => first.proc.once('exit', resolve));
    first.proc.kill('SIGKILL');
    await killed;
    const before = fired(data);
    expect(before.length).toBeLessThan(FILES);

    const second = startAgent(flows, data);
    await eventually(() => expect(new Set(fired(data)).size).toBe(FILES), 90_000).catch((err) => {
      throw new Error(`${(err as Error).message}\nagent output:\n${second.output()}`);
    });
    const exited = new Promise<number | null>((resolve) => second.proc.once('exit', (code) => resolve(code)));
    second.proc.kill('SIGTERM');
    expect(await exited, second.output()).toBe(0);
    expect(fired(data).sort()).toEqual(names);
  }, 180_000);
});
