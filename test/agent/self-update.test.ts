/**
 * An agent updating itself, end to end: three builds of the device bundle (1.0.0, 2.0.0, and 3.0.0-broken,
 * which exits as soon as it starts as an agent), a real hub with its MQTT broker, and the real launcher
 * script (deploy/agent/tern-agent-launcher) in a temporary install folder, run again after every exit by
 * `RestartAlways`, the stand-in for systemd's `Restart=always`.
 */
import { mkdtempSync, readFileSync, readlinkSync, rmSync } from 'node:fs';
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

const AGENT = 'update-gw';
describe('an agent updating itself', () => {
  let builds: Builds = {};
  let hub: DeviceHub;
  let device: string;
  let install: string;
  let systemd: RestartAlways;

  // biome-ignore lint/suspicious/noExplicitAny: the agent as the API answers it; the assertions check it.
  const agentRow = (): Promise<any> => hub.call('GET', `/agents/${AGENT}`);
  const current = () => readlinkSync(join(install, 'current'));
  const diagnostics = () => `exits ${JSON.stringify(systemd.exits)}\n${systemd.output.slice(-6000)}`;
  const setVersion = (version: string) => hub.call('PUT', `/agents/${AGENT}/version`, { json: { version } });

  beforeAll(async () => {
    ({ hub, builds } = await hubWithThreeVersions());
    // A first install: version 1.0.0 unpacked under versions/, `current` pointing at it.
    device = mkdtempSync(join(tmpdir(), 'tern-self-update-'));
    install = join(device, 'install');
    installFirst(install, '1.0.0', builds['1.0.0']!.archive!);
    const token = await hub.registerWithFlow(AGENT);
    systemd = launcherFor(hub, AGENT, { install, dataDir: join(device, 'state') }, token);
    systemd.start();
  }, 300_000);

  afterAll(async () => {
    await systemd?.stop();
    await hub?.close();
    if (device) rmSync(device, { recursive: true, force: true });
    for (const build of Object.values(builds)) build.remove();
  });

  it('runs its first version from the launcher', async () => {
    expect(await hub.runFlow(AGENT, diagnostics)).toContain(GREETING);
    expect((await agentRow()).version).toBe('1.0.0');
  }, 180_000);

  it('swaps a new version in, restarts into it, and the new version confirms', async () => {
    await setVersion('2.0.0');
    await eventually(async () => {
      const row = await agentRow();
      expect(row.online && row.version, diagnostics()).toBe('2.0.0');
      expect(row.status.update, diagnostics()).toMatchObject({ version: '2.0.0', state: 'confirmed' });
    }, 180_000);
    expect(current()).toBe(join('versions', '2.0.0'));
    expect(() => readFileSync(join(install, 'pending'))).toThrow();
    expect(systemd.exits).toEqual([0]);
    // The previous version stays on the device.
    expect(readFileSync(join(install, 'versions', '1.0.0', 'tern-agent.mjs')).length).toBeGreaterThan(0);
    expect(await hub.runFlow(AGENT, diagnostics)).toContain(GREETING);
  }, 240_000);

  it('restores the previous version when the new one exits at every start', async () => {
    await setVersion('3.0.0-broken');
    await eventually(async () => {
      const row = await agentRow();
      expect(row.online && row.version, diagnostics()).toBe('2.0.0');
      expect(row.status.update, diagnostics()).toMatchObject({
        version: '3.0.0-broken',
        state: 'rolled_back',
      });
    }, 180_000);
    expect((await agentRow()).status.update.reason).toBe('started 3 times without connecting and syncing');
    // The swap out of 2.0.0, then the broken build's three starts; then 2.0.0 again, still running.
    expect(systemd.exits).toEqual([0, 0, 3, 3, 3]);
    expect(current()).toBe(join('versions', '2.0.0'));
    expect(readFileSync(join(install, 'failed'), 'utf8')).toBe('3.0.0-broken\n');
    expect(systemd.output).toContain('tern-agent-launcher: version 3.0.0-broken started 3 times');
    expect(await hub.runFlow(AGENT, diagnostics)).toContain(GREETING);
  }, 240_000);

  it('goes back to an earlier version when asked, as a rollback does', async () => {
    await setVersion('1.0.0');
    await eventually(async () => {
      const row = await agentRow();
      expect(row.online && row.version, diagnostics()).toBe('1.0.0');
      expect(row.status.update, diagnostics()).toMatchObject({ version: '1.0.0', state: 'confirmed' });
    }, 180_000);
    expect(current()).toBe(join('versions', '1.0.0'));
  }, 240_000);
});
