/**
 * A rollout of an agent version, end to end: two devices, each run by the real launcher, update themselves
 * stage by stage (canary, then a wave); a rollback after completion sets their previous version back, one
 * of them offline at the time; a broken version fails the canary's gate when the device restores its
 * previous version, and the rollout rolls the canary back without reaching the wave.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type DeviceHub, GREETING } from './device-hub.js';
import { eventually } from './harness.js';
import {
  type Builds,
  hubWithThreeVersions,
  installFirst,
  launcherFor,
  type RestartAlways,
} from './launcher-device.js';

/** Sorted by id, so the canary (count 1) is the first and the only wave the second. */
const AGENTS = ['fleet-a', 'fleet-b'] as const;
const STAGES = { canary: { count: 1 }, waves: { size: 1 } };
/** Room for a loaded machine: a swap is a download, an unpack and a restart of the bundle. */
const UPDATE_MS = 240_000;

describe('a rollout of an agent version over devices that update themselves', () => {
  let builds: Builds = {};
  const devices = new Map<string, RestartAlways>();
  let hub: DeviceHub;
  let root: string;

  // biome-ignore lint/suspicious/noExplicitAny: rows as the API answers them; the assertions check them.
  const agentRow = (id: string): Promise<any> => hub.call('GET', `/agents/${id}`);
  // biome-ignore lint/suspicious/noExplicitAny: as above.
  const rollout = (id: string): Promise<any> => hub.call('GET', `/rollouts/${id}`);
  const diagnostics = () =>
    [...devices]
      .map(([id, d]) => `${id}: exits ${JSON.stringify(d.exits)}\n${d.output.slice(-3000)}`)
      .join('\n');
  const runsConfirmed = async (id: string, version: string) => {
    const row = await agentRow(id);
    expect(row.online && row.version, diagnostics()).toBe(version);
    expect(row.status.update, diagnostics()).toMatchObject({ version, state: 'confirmed' });
  };

  beforeAll(async () => {
    ({ hub, builds } = await hubWithThreeVersions());
    root = mkdtempSync(join(tmpdir(), 'tern-version-rollout-'));
    for (const id of AGENTS) {
      const install = join(root, id, 'install');
      installFirst(install, '1.0.0', builds['1.0.0']!.archive!);
      const token = await hub.registerWithFlow(id);
      const device = launcherFor(hub, id, { install, dataDir: join(root, id, 'state') }, token);
      devices.set(id, device);
      device.start();
    }
    for (const id of AGENTS) expect(await hub.runFlow(id, diagnostics)).toContain(GREETING);
  }, 400_000);

  afterAll(async () => {
    for (const device of devices.values()) await device.stop();
    await hub?.close();
    if (root) rmSync(root, { recursive: true, force: true });
    for (const build of Object.values(builds)) build.remove();
  });

  let completed: string;

  it('updates the canary first, then the wave, and succeeds once both run the new version', async () => {
    const started = await hub.call('POST', '/rollouts', {
      json: {
        agentVersion: '2.0.0',
        options: { ...STAGES, gates: { appliedWithin: 'PT4M', failureRate: { max: 0.5, window: 'PT2S' } } },
      },
    });
    completed = started.id;
    expect(started).toMatchObject({ kind: 'agentVersion', agentVersion: '2.0.0', status: 'RUNNING' });
    expect(started.stages.map((s: { agents: string[] }) => s.agents)).toEqual([['fleet-a'], ['fleet-b']]);
    expect(started.agents['fleet-a']).toMatchObject({ previousVersion: '1.0.0', state: 'pending' });
    // The canary applies it while the wave still runs, and is asked for, the old version.
    await eventually(async () => {
      const r = await rollout(completed);
      expect(r.stages[0].appliedAt, diagnostics()).toBeDefined();
    }, UPDATE_MS);
    await runsConfirmed('fleet-a', '2.0.0');
    const waiting = await agentRow('fleet-b');
    if ((await rollout(completed)).stages[1].startedAt === undefined) {
      expect(waiting.version).toBe('1.0.0');
      expect(waiting.status.targetVersion ?? null).toBeNull();
    }
    await eventually(async () => {
      expect((await rollout(completed)).status, diagnostics()).toBe('SUCCEEDED');
    }, UPDATE_MS);
    for (const id of AGENTS) await runsConfirmed(id, '2.0.0');
    const done = await rollout(completed);
    expect(done.stages.map((s: { state: string }) => s.state)).toEqual(['PASSED', 'PASSED']);
    expect(Object.values(done.agents).map((a) => (a as { state: string }).state)).toEqual([
      'applied',
      'applied',
    ]);
  }, 600_000);

  it('rolls back after completion: every agent gets its previous version, the one offline when it returns', async () => {
    const offline = devices.get('fleet-b')!;
    await offline.stop();
    await eventually(async () => expect((await agentRow('fleet-b')).online).toBe(false), 60_000);
    const rolledBack = await hub.call('POST', `/rollouts/${completed}/rollback`);
    expect(rolledBack.status).toBe('ROLLED_BACK');
    expect(rolledBack.agents['fleet-b'].state).toBe('rolled_back');
    // Set once on each agent, kept in its desired state (retained) for the one offline.
    expect((await agentRow('fleet-b')).status).toMatchObject({
      targetVersion: '1.0.0',
      desired: { agentVersion: '1.0.0' },
    });
    await eventually(() => runsConfirmed('fleet-a', '1.0.0'), UPDATE_MS);
    offline.start();
    await eventually(() => runsConfirmed('fleet-b', '1.0.0'), UPDATE_MS);
    // A second rollback finds nothing left to do.
    await expect(hub.call('POST', `/rollouts/${completed}/rollback`)).rejects.toThrow(/409/);
  }, 600_000);

  it('fails the canary when the device restores its previous version, and rolls the canary back', async () => {
    const b = await agentRow('fleet-b');
    const started = await hub.call('POST', '/rollouts', {
      json: { agentVersion: '3.0.0-broken', options: { ...STAGES, onFailure: 'ROLLBACK' } },
    });
    await eventually(async () => {
      expect((await rollout(started.id)).status, diagnostics()).toBe('ROLLED_BACK');
    }, UPDATE_MS);
    const r = await rollout(started.id);
    expect(r.failedAgents).toEqual(['fleet-a']);
    expect(r.reason).toMatch(/^canary: agents refused the agent version/);
    expect(r.agents['fleet-a']).toMatchObject({ state: 'rolled_back', previousVersion: '1.0.0' });
    expect(r.agents['fleet-b']).toMatchObject({ state: 'pending' });
    expect(r.stages[1].startedAt).toBeUndefined();
    const a = await agentRow('fleet-a');
    expect(a.online && a.version).toBe('1.0.0');
    expect(a.status).toMatchObject({
      targetVersion: '1.0.0',
      update: { version: '3.0.0-broken', state: 'rolled_back' },
    });
    // The wave was never asked for the broken version: its desired state is the one it had.
    const after = await agentRow('fleet-b');
    expect(after.status.desired.generation).toBe(b.status.desired.generation);
    expect(after.status.desired.agentVersion).toBe('1.0.0');
  }, 600_000);
});
