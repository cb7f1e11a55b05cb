/** `tern hub`, `tern deploy`, and the API commands, as real processes against a real hub. */
import { type ChildProcess, spawn } from 'node:child_process';
import { cpSync, mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ROOT, TERN, tern } from '../support/cli.js';

interface RunningHub {
  process: ChildProcess;
  url: string;
  token: string;
  output: () => string;
}

/** Starts `tern hub` on free ports and waits until it prints its URL and token. */
async function startHubProcess(dataDir: string, token: string): Promise<RunningHub> {
  const child = spawn(
    process.execPath,
    [TERN, 'hub', '--port', '0', '--mqtt-port', '0', '--host', '127.0.0.1', '--data-dir', dataDir],
    {
      cwd: ROOT,
      env: { ...process.env, NO_COLOR: '1', TERN_ADMIN_TOKEN: token, TERN_LOG_LEVEL: 'warn' },
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  let out = '';
  child.stdout?.on('data', (d: Buffer) => {
    out += d.toString();
  });
  child.stderr?.on('data', (d: Buffer) => {
    out += d.toString();
  });
  const url = await new Promise<string>((resolve, reject) => {
    const check = () => {
      const m = /running at (http:\/\/\S+)/.exec(out);
      if (m?.[1]) resolve(m[1]);
    };
    child.stdout?.on('data', check);
    child.once('exit', (code) => reject(new Error(`tern hub exited with ${code}: ${out}`)));
  });
  return { process: child, url, token, output: () => out };
}

async function stop(hub: RunningHub): Promise<void> {
  const exited = new Promise((r) => hub.process.once('exit', r));
  hub.process.kill('SIGTERM');
  await exited;
}

const dir = mkdtempSync(join(tmpdir(), 'tern-hub-cli-'));
const dataDir = join(dir, 'hub');
const flowsDir = join(dir, 'flows');
const TOKEN = 'tern_cli_test_token_0123456789';
/** How many flows examples/ holds: the deploy counts follow it as examples are added. */
const EXAMPLES = readdirSync(join(ROOT, 'examples'), { recursive: true, encoding: 'utf8' }).filter((f) =>
  /\.ya?ml$/.test(f),
).length;
const counts = (created: number, updated: number, unchanged: number, deleted: number) =>
  new RegExp(`${created} created, ${updated} updated, ${unchanged} unchanged, ${deleted} deleted`);
let hub: RunningHub;
const api = (args: string[]) => tern([...args, '--server', hub.url, '--token', TOKEN]);

/** Saves a flow on the hub through the API; gives the status. */
const saveFlow = async (yaml: string) =>
  (
    await fetch(`${hub.url}/api/v1/flows`, {
      method: 'POST',
      headers: { authorization: `Bearer ${TOKEN}`, 'content-type': 'application/x-yaml' },
      body: yaml,
    })
  ).status;

beforeAll(async () => {
  cpSync(join(ROOT, 'examples'), flowsDir, { recursive: true });
  hub = await startHubProcess(dataDir, TOKEN);
}, 60_000);

afterAll(async () => {
  if (hub) await stop(hub);
  rmSync(dir, { recursive: true, force: true });
});

describe('tern deploy', () => {
  it('creates every flow of a folder, then reports them unchanged', async () => {
    const first = await api(['deploy', flowsDir]);
    expect(first.code).toBe(0);
    expect(first.stdout).toMatch(/created\s+tern\.examples\.hello \(revision 1\)/);
    expect(first.stdout).toMatch(counts(EXAMPLES, 0, 0, 0));
    const again = await api(['deploy', flowsDir]);
    expect(again.stdout).toMatch(counts(0, 0, EXAMPLES, 0));
  });

  it('updates a changed flow, and with --prune deletes flows no longer in the folder', async () => {
    writeFileSync(
      join(flowsDir, 'hello.yml'),
      'id: hello\nnamespace: tern.examples\ntasks:\n  - id: greet\n    type: log\n    message: changed\n',
    );
    rmSync(join(flowsDir, 'http.yml'));
    const dry = await api(['deploy', flowsDir, '--prune', '--dry-run']);
    expect(dry.stdout).toMatch(/would be updated\s+tern\.examples\.hello/);
    expect(dry.stdout).toMatch(/would be deleted\s+tern\.examples\.http/);
    expect(dry.stdout).toMatch(/dry run: nothing changed/);
    const real = await api(['deploy', flowsDir, '--prune']);
    expect(real.stdout).toMatch(/updated\s+tern\.examples\.hello \(revision 2\)/);
    expect(real.stdout).toMatch(/deleted\s+tern\.examples\.http/);
    expect(real.stdout).toMatch(counts(0, 1, EXAMPLES - 2, 1));
  });

  it('deploys nothing when one flow is invalid, naming the file and line', async () => {
    const bad = join(dir, 'bad');
    cpSync(flowsDir, bad, { recursive: true });
    writeFileSync(
      join(bad, 'broken.yml'),
      'id: broken\nnamespace: tern.examples\ntasks:\n  - id: a\n    type: lgo\n',
    );
    const r = await api(['deploy', bad]);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/broken\.yml:5:\d+: tasks\[0\]\.type: unknown type 'lgo'/);
    const listed = await api(['flows', 'list', '--json']);
    expect((JSON.parse(listed.stdout) as { id: string }[]).some((f) => f.id === 'broken')).toBe(false);
  });
});

describe('tern deploy with _files/ folders', () => {
  const project = join(dir, 'project');
  const filesDir = join(project, 'etl', '_files');

  it('uploads a _files/ folder as the namespace files of the flows beside it, then finds them unchanged', async () => {
    mkdirSync(join(filesDir, 'scripts'), { recursive: true });
    writeFileSync(
      join(project, 'etl', 'flow.yml'),
      'id: etl\nnamespace: files.deploy\ntasks:\n  - id: say\n    type: log\n    message: hi\n',
    );
    writeFileSync(join(filesDir, 'scripts', 'clean.sh'), 'echo clean\n');
    writeFileSync(join(filesDir, 'query.sql'), 'SELECT 1;\n');
    const first = await api(['deploy', project]);
    expect(first.code).toBe(0);
    expect(first.stdout).toMatch(/created\s+file files\.deploy:\/scripts\/clean\.sh \(revision 1\)/);
    expect(first.stdout).toMatch(/files: 2 created, 0 updated, 0 unchanged, 0 deleted/);
    expect(first.stdout).toMatch(counts(1, 0, 0, 0));
    const again = await api(['deploy', project]);
    expect(again.stdout).toMatch(/files: 0 created, 0 updated, 2 unchanged, 0 deleted/);
    const res = await fetch(`${hub.url}/api/v1/namespaces/files.deploy/files?path=/scripts/clean.sh`, {
      headers: { authorization: `Bearer ${TOKEN}` },
    });
    expect(await res.text()).toBe('echo clean\n');
  });

  it('updates a changed file and, with --prune, deletes a file no longer in the folder', async () => {
    writeFileSync(join(filesDir, 'query.sql'), 'SELECT 2;\n');
    rmSync(join(filesDir, 'scripts', 'clean.sh'));
    const dry = await api(['deploy', project, '--prune', '--dry-run']);
    expect(dry.stdout).toMatch(/would be updated\s+file files\.deploy:\/query\.sql/);
    expect(dry.stdout).toMatch(/would be deleted\s+file files\.deploy:\/scripts\/clean\.sh/);
    const real = await api(['deploy', project, '--prune']);
    expect(real.stdout).toMatch(/updated\s+file files\.deploy:\/query\.sql \(revision 2\)/);
    expect(real.stdout).toMatch(/files: 0 created, 1 updated, 0 unchanged, 1 deleted/);
  });

  it('refuses a _files/ folder whose namespace it cannot tell, sending nothing', async () => {
    const lonely = join(dir, 'lonely');
    mkdirSync(join(lonely, '_files'), { recursive: true });
    writeFileSync(join(lonely, '_files', 'a.txt'), 'a');
    const r = await api(['deploy', lonely]);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/_files: cannot tell which namespace these files belong to: no flow beside it/);
    const named = await api(['deploy', lonely, '--namespace', 'files.lonely']);
    expect(named.stdout).toMatch(/created\s+file files\.lonely:\/a\.txt/);
  });
});

describe('tern namespaces files', () => {
  it('puts a local file, lists it, prints its bytes and deletes it', async () => {
    const local = join(dir, 'etl.py');
    writeFileSync(local, 'print("etl")\n');
    const put = await api(['namespaces', 'files', 'put', 'files.cli', '/scripts/etl.py', local]);
    expect(put.code).toBe(0);
    expect(put.stdout).toMatch(/files\.cli:\/scripts\/etl\.py stored \(revision 1, 13 B\)/);
    const list = await api(['namespaces', 'files', 'list', 'files.cli', '--json']);
    expect((JSON.parse(list.stdout) as { path: string }[]).map((f) => f.path)).toEqual(['scripts/etl.py']);
    const get = await api(['namespaces', 'files', 'get', 'files.cli', 'scripts/etl.py']);
    expect(get.stdout).toBe('print("etl")\n');
    expect((await api(['namespaces', 'files', 'delete', 'files.cli', '/scripts/etl.py'])).code).toBe(0);
    const missing = await api(['namespaces', 'files', 'get', 'files.cli', 'scripts/etl.py']);
    expect(missing.code).toBe(1);
    expect(missing.stderr).toMatch(/no namespace file 'scripts\/etl\.py' in files\.cli/);
  });
});

describe('API commands', () => {
  it('runs a hub flow, waits for it, and prints its logs', async () => {
    const run = await api(['flows', 'run', 'tern.examples', 'hello', '--wait', '--json']);
    expect(run.code).toBe(0);
    const execution = JSON.parse(run.stdout) as { id: string; state: string };
    expect(execution.state).toBe('SUCCESS');
    const logs = await api(['executions', 'logs', execution.id]);
    expect(logs.stdout).toMatch(/greet changed/);
    const list = await api(['executions', 'list', '--flow', 'hello', '--json']);
    expect((JSON.parse(list.stdout) as { id: string }[]).map((e) => e.id)).toContain(execution.id);
  });

  it('waits for a run and shows its task runs, failed task errors and outputs', async () => {
    const flow = [
      'id: waited',
      'namespace: tern.cli',
      'tasks:',
      '  - id: compute',
      '    type: output',
      '    values: { answer: 42 }',
      '  - id: boom',
      '    type: fail',
      '    errorMessage: the sensor is unplugged',
    ].join('\n');
    expect(await saveFlow(flow)).toBe(201);
    const run = await api(['flows', 'run', 'tern.cli', 'waited', '--wait']);
    expect(run.code).toBe(1);
    expect(run.stdout).toMatch(/tern\.cli\.waited \S+ FAILED/);
    expect(run.stdout).toMatch(/compute SUCCESS[^\n]*\n\s+outputs \{"values":\{"answer":42\}\}/);
    expect(run.stdout).toMatch(/boom FAILED[^\n]*\n\s+the sensor is unplugged/);
  });

  it('approves and denies a paused approval, refusing a denial without the comment it requires', async () => {
    const flow = [
      'id: gated',
      'namespace: tern.cli',
      'tasks:',
      '  - id: approval',
      '    type: io.kestra.plugin.core.flow.Approval',
      '    commentRequired: ON_DENY',
      '    onApprove:',
      '      - { id: open, type: log, message: "opened: {{ outputs.approval.comment }}" }',
    ].join('\n');
    expect(await saveFlow(flow)).toBe(201);
    const paused = async () => {
      const run = await api(['flows', 'run', 'tern.cli', 'gated', '--json']);
      const { id } = JSON.parse(run.stdout) as { id: string };
      // Polls until the approval has paused the execution, for at most 30 s.
      for (const deadline = Date.now() + 30_000; Date.now() < deadline; ) {
        const shown = await api(['executions', 'show', id, '--json']);
        if ((JSON.parse(shown.stdout) as { state: string }).state === 'PAUSED') return id;
        await new Promise((r) => setTimeout(r, 100));
      }
      throw new Error(`execution ${id} never paused`);
    };
    const approved = await paused();
    const ok = await api(['executions', 'approve', approved, '--comment', 'valve checked']);
    expect(ok.code).toBe(0);
    expect(ok.stdout).toMatch(`execution ${approved} approved`);
    const logs = await api(['executions', 'logs', approved, '--follow']);
    expect(logs.stdout).toMatch(/opened: valve checked/);

    const denied = await paused();
    const bare = await api(['executions', 'deny', denied]);
    expect(bare.code).toBe(1);
    expect(bare.stderr).toMatch(/422 INVALID_INPUT[\s\S]*comment is required/);
    const no = await api(['executions', 'deny', denied, '-c', 'not tonight', '--json']);
    expect(no.code).toBe(0);
    expect(JSON.parse(no.stdout)).toEqual({ id: denied, decision: 'DENIED' });
  });

  it('prints each problem of a refused request once', async () => {
    const r = await api(['flows', 'run', 'tern.examples', 'typed-inputs', '--input', 'site=nowhere']);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/422 INVALID_INPUT/);
    const site = r.stderr.split('\n').filter((line) => line.includes('nowhere'));
    expect(site).toHaveLength(1);
  });

  it('never prints the TERN_ADMIN_TOKEN it was given', () => {
    expect(hub.output()).toMatch(/Admin token: the one given in TERN_ADMIN_TOKEN/);
    expect(hub.output()).not.toContain(TOKEN);
  });

  it('refuses a wrong token with a clear message', async () => {
    const r = await tern(['flows', 'list', '--server', hub.url, '--token', 'wrong']);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/401 UNAUTHORIZED/);
  });
});

describe('restart on the same data', () => {
  it('keeps flows, revisions and executions', async () => {
    const before = await api(['executions', 'list', '--json']);
    await stop(hub);
    hub = await startHubProcess(dataDir, TOKEN);
    const flows = await api(['flows', 'list', '--json']);
    const hello = (JSON.parse(flows.stdout) as { id: string; revision: number }[]).find(
      (f) => f.id === 'hello',
    );
    expect(hello?.revision).toBe(2);
    const after = await api(['executions', 'list', '--json']);
    expect(JSON.parse(after.stdout)).toEqual(JSON.parse(before.stdout));
  }, 60_000);
});

describe('tern hub --mqtt-limits', () => {
  it('refuses a limit it does not know or a value that is not a positive integer, naming it', async () => {
    const hubArgs = ['hub', '--port', '0', '--mqtt-port', '0', '--data-dir', join(dir, 'limits')];
    const unknown = await tern([...hubArgs, '--mqtt-limits', '{"maxPendng": 5}']);
    const fromEnv = await tern(hubArgs, { env: { TERN_MQTT_LIMITS: '{"maxPending": -1}' } });
    expect([unknown.code, fromEnv.code]).toEqual([1, 1]);
    expect(unknown.stderr).toMatch(/mqttLimits\.maxPendng: unknown limit/);
    expect(fromEnv.stderr).toMatch(/mqttLimits\.maxPending: must be a positive integer, got -1/);
  });
});

describe('tern hub cluster timings', () => {
  it('refuses a leader check under 10 ms or a negative take-over grace, from a flag or the environment', async () => {
    const hubArgs = ['hub', '--port', '0', '--mqtt-port', '0', '--data-dir', join(dir, 'timings')];
    const flag = await tern([...hubArgs, '--leader-check-ms', '5']);
    const fromEnv = await tern(hubArgs, { env: { TERN_LEADER_CHECK_MS: '5' } });
    const grace = await tern(hubArgs, { env: { TERN_TAKE_OVER_GRACE_MS: '-1' } });
    const notANumber = await tern([...hubArgs, '--take-over-grace-ms', 'soon']);
    expect([flag.code, fromEnv.code, grace.code, notANumber.code]).toEqual([1, 1, 1, 2]);
    expect(flag.stderr).toMatch(/leaderCheckMs: must be at least 10 ms, got 5/);
    expect(fromEnv.stderr).toMatch(/leaderCheckMs: must be at least 10 ms, got 5/);
    expect(grace.stderr).toMatch(/takeOverGraceMs: must be 0 ms or more, got -1/);
    expect(notANumber.stderr).toMatch(/--take-over-grace-ms: 'soon' is not a whole number/);
  });
});
