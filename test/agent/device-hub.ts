/** What the device tests share: the agent bundle built once, and a real hub that gives an agent a flow to run. */
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { expect } from 'vitest';
import { type Hub, startHub } from '../../hub/hub.js';
import { ROOT } from '../support/cli.js';
import { eventually } from './harness.js';

/** What the flow logs: jq's WebAssembly and java.time's port both have to load on the device. */
export const GREETING = 'jq 42 on Sunday 6 December 2026';

/**
 * Builds the bundle as `npm run build:agent` does, into a folder of the calling test's own (test files
 * run in parallel, and one must not remove the bundle another is copying), and resolves with it. With
 * `version`, the build is named so and its archive (`archive`, for agent updates) is written beside it.
 */
export async function buildBundle(
  version?: string,
): Promise<{ dir: string; archive: string | undefined; remove(): void }> {
  const dir = mkdtempSync(join(tmpdir(), 'tern-agent-bundle-'));
  const named = version === undefined ? [] : ['--version', version];
  await promisify(execFile)(
    process.execPath,
    [join(ROOT, 'scripts', 'build-agent.mjs'), '--outdir', dir, ...named],
    { cwd: ROOT },
  );
  const archive = version === undefined ? undefined : `${dir}-${version}.tar.gz`;
  return {
    dir,
    archive,
    remove: () => {
      rmSync(dir, { recursive: true, force: true });
      if (archive) rmSync(archive, { force: true });
    },
  };
}

const ADMIN = 'tern_device_test_admin_token_0123456789';

/** A hub on PGlite, on loopback, with its API at hand. */
export class DeviceHub {
  private constructor(
    readonly hub: Hub,
    private readonly dir: string,
  ) {}

  static async start(): Promise<DeviceHub> {
    const dir = mkdtempSync(join(tmpdir(), 'tern-device-hub-'));
    const hub = await startHub({
      port: 0,
      host: '127.0.0.1',
      mqttPort: 0,
      mqttHost: '127.0.0.1',
      dataDir: dir,
      adminToken: ADMIN,
    });
    return new DeviceHub(hub, dir);
  }

  /** The broker URL an agent on this machine connects to. */
  get mqttUrl(): string {
    return `mqtt://127.0.0.1:${this.hub.mqttPort}`;
  }

  // biome-ignore lint/suspicious/noExplicitAny: tests read response bodies freely; the assertions check them.
  async call(method: string, path: string, body?: { json: unknown } | { yaml: string }): Promise<any> {
    const headers: Record<string, string> = { authorization: `Bearer ${ADMIN}` };
    if (body) headers['content-type'] = 'json' in body ? 'application/json' : 'application/x-yaml';
    const res = await fetch(`${this.hub.url}/api/v1${path}`, {
      method,
      headers,
      body: body && ('json' in body ? JSON.stringify(body.json) : body.yaml),
    });
    const text = await res.text();
    if (!res.ok) throw new Error(`${method} ${path}: ${res.status} ${text}`);
    return text ? JSON.parse(text) : undefined;
  }

  /** Uploads a bundle archive as agent version `version`. */
  async uploadAgentVersion(version: string, archive: Uint8Array): Promise<void> {
    const res = await fetch(`${this.hub.url}/api/v1/agent-versions/${version}`, {
      method: 'PUT',
      headers: { authorization: `Bearer ${ADMIN}`, 'content-type': 'application/octet-stream' },
      body: archive,
    });
    if (res.status !== 201) throw new Error(`upload of ${version}: ${res.status} ${await res.text()}`);
  }

  /** Registers `agentId`, gives it the `greet` flow, and resolves with its token. */
  async registerWithFlow(agentId: string): Promise<string> {
    const { token } = await this.call('POST', '/agents', { json: { id: agentId, labels: {} } });
    const flow = `id: greet
namespace: ${agentId}
runsOn: {agents: [${agentId}]}
tasks:
  - id: say
    type: log
    message: "jq {{ {'n': 41} | jq('.n + 1') | first }} on {{ '2026-12-06T10:00:00Z' | date('EEEE d MMMM yyyy', timeZone='UTC') }}"
`;
    await this.call('POST', '/flows', { yaml: flow });
    return token as string;
  }

  /** Waits for the agent to apply its flow, runs it there, and resolves with the execution's logs as text. */
  async runFlow(agentId: string, diagnostics: () => string): Promise<string> {
    await eventually(async () => {
      const agent = await this.call('GET', `/agents/${agentId}`);
      expect(agent.status?.applied?.flows?.length, diagnostics()).toBe(1);
    }, 90_000);
    const started = await this.call('POST', `/executions/${agentId}/greet?agent=${agentId}`);
    const id = started.executionIds[0] as string;
    await eventually(async () => {
      expect((await this.call('GET', `/executions/${id}`)).state, diagnostics()).toBe('SUCCESS');
    }, 60_000);
    return JSON.stringify(await this.call('GET', `/executions/${id}/logs`));
  }

  async close(): Promise<void> {
    await this.hub.close();
    rmSync(this.dir, { recursive: true, force: true });
  }
}
