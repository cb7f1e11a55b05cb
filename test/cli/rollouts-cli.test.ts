/**
 * `tern rollouts` (the built CLI) against a real hub with real agents: start a staged rollout of an
 * earlier revision, show it, approve its next stage, list it, and roll it back; start a rollout of an
 * agent version; `tern deploy --rollout` of a set of flows; a label change.
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { type Agent, startAgent } from '../../agent/agent.js';
import type { Hub } from '../../hub/hub.js';
import { tern } from '../support/cli.js';
import { apiCaller, startTestHub } from '../support/hub-api.js';

const ADMIN = 'tern_rollouts_cli_admin_token_0123456789';
const root = mkdtempSync(join(tmpdir(), 'tern-rollouts-cli-'));
let hub: Hub;
const agents: Agent[] = [];
const eventually = <T>(check: () => T | Promise<T>) => vi.waitFor(check, { timeout: 30_000, interval: 25 });

beforeAll(async () => {
  hub = await startTestHub(join(root, 'hub'), ADMIN);
}, 60_000);

afterAll(async () => {
  for (const a of agents) await a.close();
  await hub?.close();
  rmSync(root, { recursive: true, force: true });
});

const cli = (...args: string[]) => tern(['rollouts', ...args, '--server', hub.url, '--token', ADMIN]);

/** A canary of one, then waves of one, each waiting for approval, watched 0.1 s. */
const TWO_STAGES = ['--canary', '1', '--waves', '1', '--pause', 'APPROVAL', '--failure-window', 'PT0.1S'];

/** Registers and starts agent `id` with `labels`. */
async function startOne(
  id: string,
  labels: Record<string, string>,
  extra: Partial<Parameters<typeof startAgent>[0]> = {},
): Promise<Agent> {
  const { body } = await apiCaller(hub.url, ADMIN)('POST', '/agents', { json: { id, labels } });
  const agent = await startAgent({
    ...extra,
    id,
    token: body.token,
    hubUrl: `mqtt://127.0.0.1:${hub.mqttPort}`,
    dataDir: join(root, id),
    sync: { reconnectMinMs: 20, reconnectMaxMs: 200, lingerMs: 1 },
  });
  agents.push(agent);
  return agent;
}
const flow = (message: string) =>
  `id: job\nnamespace: cli.rollout\nrunsOn: {labels: {site: cli}}\ntasks:\n  - { id: say, type: log, message: ${message} }\n`;

describe('tern rollouts', () => {
  it('rolls an earlier revision out in stages, shows it, approves the next stage, lists it and rolls it back', async () => {
    const call = apiCaller(hub.url, ADMIN);
    for (const id of ['gw-cli-1', 'gw-cli-2']) await startOne(id, { site: 'cli' });
    const revisions = () => agents.map((a) => a.appliedFlows()[0]?.revision);
    expect((await call('POST', '/flows', { yaml: flow('first') })).status).toBe(201);
    expect((await call('PUT', '/flows/cli.rollout/job', { yaml: flow('second') })).status).toBe(200);
    await eventually(() => expect(revisions()).toEqual([2, 2]));

    const started = await cli('start', 'cli.rollout', 'job', '--revision', '1', ...TWO_STAGES, '--json');
    expect(started.code, started.stderr).toBe(0);
    const rollout = JSON.parse(started.stdout);
    expect(rollout).toMatchObject({ revision: 1, baseRevision: 2, status: 'RUNNING' });

    await eventually(async () => {
      const shown = await cli('show', rollout.id);
      expect(shown.stdout).toContain(`${rollout.id}  cli.rollout.job  revision 1  WAITING  stage 1/2`);
      expect(shown.stdout).toMatch(
        /canary {2}PASSED {2}applied 1\/1 {2}failure rate 0\.00\n {4}gw-cli-1 {2}applied/,
      );
      expect(shown.stdout).toMatch(/wave 1 {2}PENDING\n {4}gw-cli-2 {2}pending/);
    });
    expect(revisions()).toEqual([1, 2]);

    const approved = await cli('approve', rollout.id);
    expect(approved.code, approved.stderr).toBe(0);
    await eventually(() => expect(revisions()).toEqual([1, 1]));
    await eventually(async () => {
      const listed = JSON.parse((await cli('list', '--json')).stdout);
      expect(listed.map((r: { id: string; status: string }) => [r.id, r.status])).toEqual([
        [rollout.id, 'SUCCEEDED'],
      ]);
    });

    const back = await cli('rollback', rollout.id);
    expect(back.code, back.stderr).toBe(0);
    expect(back.stdout).toContain('ROLLED_BACK');
    await eventually(() => expect(revisions()).toEqual([2, 2]));

    const again = await cli('rollback', rollout.id);
    expect(again.code).toBe(1);
    expect(again.stderr).toContain('is ROLLED_BACK');
  }, 120_000);

  it('rolls an agent version out to the agents with the labels given, and says when a flow and a version are both named', async () => {
    const call = apiCaller(hub.url, ADMIN);
    for (const version of ['1.0.0', '2.0.0']) {
      const res = await fetch(`${hub.url}/api/v1/agent-versions/${version}`, {
        method: 'PUT',
        headers: { authorization: `Bearer ${ADMIN}`, 'content-type': 'application/octet-stream' },
        body: gzipSync(`bundle ${version}`),
      });
      expect(res.status).toBe(201);
    }
    const id = 'gw-cli-version';
    // It reports 1.0.0 through the real protocol, and refuses to swap: no launcher made its install folder.
    await startOne(
      id,
      { site: 'cli-version' },
      { version: '1.0.0', update: { installDir: join(root, `${id}-install`), hubApiUrl: hub.url } },
    );
    await eventually(async () => expect((await call('GET', `/agents/${id}`)).body.version).toBe('1.0.0'));

    const both = await cli('start', 'cli.rollout', 'job', '--agent-version', '2.0.0');
    expect(both.code).toBe(2);
    expect(both.stderr).toContain(
      'name one of a flow (<namespace> <flowId>), an agent version (--agent-version), or a label change',
    );

    const started = await cli(
      'start',
      '--agent-version',
      '2.0.0',
      '--labels',
      'site=cli-version',
      '--rollback-on-failure',
      '--json',
    );
    expect(started.code, started.stderr).toBe(0);
    const rollout = JSON.parse(started.stdout);
    expect(rollout).toMatchObject({
      kind: 'agentVersion',
      agentVersion: '2.0.0',
      labels: { site: 'cli-version' },
    });
    expect(Object.keys(rollout.agents)).toEqual([id]);
    await eventually(async () => {
      const shown = await cli('show', rollout.id);
      expect(shown.stdout).toContain(`${rollout.id}  agent version 2.0.0  ROLLED_BACK  stage 1/1`);
      expect(shown.stdout).toMatch(/canary {2}FAILED[^\n]*\n {4}gw-cli-version {2}rolled_back/);
    });
    expect((await call('GET', `/agents/${id}`)).body.status.targetVersion).toBe('1.0.0');
  }, 120_000);

  it('rolls the flows a deploy changed out together with deploy --rollout, and rolls them back', async () => {
    const set = [
      await startOne('gw-set-1', { site: 'cli-set' }),
      await startOne('gw-set-2', { site: 'cli-set' }),
    ];
    const dir = join(root, 'deploy-set');
    mkdirSync(dir, { recursive: true });
    const write = (message: string) => {
      for (const f of ['a', 'b'])
        writeFileSync(
          join(dir, `${f}.yaml`),
          `id: ${f}\nnamespace: cli.set\nrunsOn: {labels: {site: cli-set}}\ntasks:\n  - { id: say, type: log, message: ${message} }\n`,
        );
    };
    const deploy = (...flags: string[]) =>
      tern(['deploy', dir, ...flags, '--server', hub.url, '--token', ADMIN]);
    const revisions = () =>
      set.map((a) => ['a', 'b'].map((f) => a.appliedFlows().find((x) => x.id === f)?.revision));
    write('first');
    expect((await deploy()).code).toBe(0);
    await eventually(() =>
      expect(revisions()).toEqual([
        [1, 1],
        [1, 1],
      ]),
    );

    write('second');
    const dry = await deploy('--rollout', '--dry-run');
    expect(dry.stdout).toContain('would roll out 2 flow(s) together');
    const res = await deploy('--rollout', ...TWO_STAGES);
    expect(res.code, res.stderr).toBe(0);
    const id = /rollout (\S+) started: 2 flow\(s\), 2 stage\(s\)/.exec(res.stdout)?.[1] as string;
    expect(id, res.stdout).toBeDefined();
    await eventually(async () => {
      const shown = await cli('show', id);
      expect(shown.stdout).toContain(`${id}  flows cli.set.a@2 cli.set.b@2  WAITING  stage 1/2`);
    });
    expect(revisions()).toEqual([
      [2, 2],
      [1, 1],
    ]);

    const back = await cli('rollback', id);
    expect(back.code, back.stderr).toBe(0);
    await eventually(() =>
      expect(revisions()).toEqual([
        [1, 1],
        [1, 1],
      ]),
    );
  }, 120_000);

  it('rolls a label change out to the agents selected, and says when --select names no change', async () => {
    const call = apiCaller(hub.url, ADMIN);
    await startOne('gw-label-1', { site: 'cli-label' });
    const alone = await cli('start', '--select', 'site=cli-label');
    expect(alone.code).toBe(2);
    expect(alone.stderr).toContain('name one of a flow');
    const started = await cli(
      'start',
      '--set-labels',
      'ring=b',
      '--remove-labels',
      'old',
      '--select',
      'site=cli-label',
      '--failure-window',
      'PT0.1S',
      '--json',
    );
    expect(started.code, started.stderr).toBe(0);
    const rollout = JSON.parse(started.stdout);
    expect(rollout).toMatchObject({ kind: 'labels', labelChange: { set: { ring: 'b' }, remove: ['old'] } });
    await eventually(async () => {
      const shown = await cli('show', rollout.id);
      expect(shown.stdout).toContain(
        `${rollout.id}  labels set ring=b remove old on site=cli-label  SUCCEEDED`,
      );
    });
    expect((await call('GET', '/agents/gw-label-1')).body.labels).toEqual({ site: 'cli-label', ring: 'b' });
  }, 120_000);
});
