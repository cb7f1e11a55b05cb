/**
 * The updater against a real HTTP server, real archives (tar), real Node and real files: a good bundle is
 * swapped in beside the current one; a wrong checksum, another key's signature or a bundle of another
 * version is refused with nothing swapped; the new version confirms and the launcher's files are cleared.
 */
import { execFileSync } from 'node:child_process';
import { createHash, generateKeyPairSync } from 'node:crypto';
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  type AgentUpdateStatus,
  agentBundleContext,
  agentBundlePath,
  type DesiredAgent,
} from '../../protocol/agent-update.js';
import { silentLogger } from '../../protocol/logger.js';
import { type DocumentSigner, publicKeyText, signDigest } from '../../protocol/signing.js';
import { AgentState } from '../sync/agent-state.js';
import { HubKeys } from '../sync/hub-keys.js';
import { InstallDir } from './install-dir.js';
import { AgentUpdater } from './updater.js';

const AGENT = 'gw-update';
const TOKEN = 'gw-update-token';

function signer(): DocumentSigner {
  const { publicKey, privateKey } = generateKeyPairSync('ed25519');
  return { publicKey: publicKeyText(publicKey), privateKey, endorsements: [] };
}

/** A stand-in bundle: a tern-agent.mjs that answers `--version` as a real one does. */
function archiveOf(work: string, says: string): Buffer {
  const dir = join(work, `bundle-${says}`);
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, 'tern-agent.mjs'), `console.log(${JSON.stringify(says)});\n`);
  const file = join(work, `bundle-${says}.tar.gz`);
  execFileSync('tar', ['-czf', file, '-C', dir, '.']);
  return readFileSync(file);
}

describe('AgentUpdater', () => {
  let work: string;
  let dir: InstallDir;
  let server: Server;
  let hubApiUrl: string;
  let served: Buffer;
  let hub: DocumentSigner;
  let db: Database.Database;

  beforeEach(async () => {
    work = mkdtempSync(join(tmpdir(), 'tern-updater-'));
    dir = new InstallDir(join(work, 'install'));
    mkdirSync(join(dir.versions, '1.0.0'), { recursive: true });
    writeFileSync(join(dir.versions, '1.0.0', 'tern-agent.mjs'), 'console.log("1.0.0");\n');
    symlinkSync(join('versions', '1.0.0'), join(dir.root, 'current'));
    served = archiveOf(work, '2.0.0');
    hub = signer();
    db = new Database(':memory:');
    db.exec('CREATE TABLE agent_state (key TEXT PRIMARY KEY, value TEXT NOT NULL)');
    server = createServer((req, res) => {
      const ok =
        req.url === agentBundlePath(AGENT, '2.0.0') && req.headers.authorization === `Bearer ${TOKEN}`;
      res.writeHead(ok ? 200 : 401).end(ok ? served : 'no');
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    hubApiUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });

  afterEach(async () => {
    await new Promise((resolve) => server.close(resolve));
    db.close();
    rmSync(work, { recursive: true, force: true });
  });

  function desired(bytes: Buffer, by = hub, version = '2.0.0'): DesiredAgent {
    const sha256 = createHash('sha256').update(bytes).digest();
    return {
      version,
      sha256: sha256.toString('hex'),
      size: bytes.length,
      signature: signDigest(sha256, agentBundleContext(version), by),
    };
  }

  /** An updater running `running`, with what it asked for: restarts and status changes. */
  function updater(running: string) {
    const restarts: string[] = [];
    const changes: AgentUpdateStatus[] = [];
    let settled: () => void = () => undefined;
    const done = new Promise<void>((resolve) => {
      settled = resolve;
    });
    const u: AgentUpdater = new AgentUpdater({
      dir,
      running,
      agentId: AGENT,
      hubApiUrl,
      token: TOKEN,
      hubKeys: new HubKeys({ state: new AgentState(db), given: hub.publicKey, log: silentLogger }),
      confirmWithinMs: 60_000,
      nodePath: process.execPath,
      log: silentLogger,
      restart: (reason) => {
        restarts.push(reason);
        settled();
      },
      changed: () => {
        changes.push(u.status()!);
        if (u.status()?.state === 'refused') settled();
      },
    });
    return { u, restarts, changes, done };
  }

  const nothingSwapped = () => {
    expect(dir.current()).toBe('1.0.0');
    expect(dir.pending()).toBeUndefined();
    expect(readdirSync(dir.versions)).toEqual(['1.0.0']);
  };

  it('downloads, checks and swaps a signed bundle in beside the current one, then asks to be restarted', async () => {
    const { u, restarts, done } = updater('1.0.0');
    u.want(desired(served));
    await done;
    expect(restarts).toEqual(['updating to 2.0.0']);
    expect(dir.current()).toBe('2.0.0');
    expect(dir.pending()).toMatchObject({ version: '2.0.0', previous: '1.0.0' });
    expect(readdirSync(dir.versions).sort()).toEqual(['1.0.0', '2.0.0']);
    expect(u.status()).toMatchObject({ version: '2.0.0', state: 'swapped' });

    // The new version, started by the launcher, confirms once in sync: nothing is left pending.
    const next = updater('2.0.0');
    next.u.confirm();
    expect(dir.pending()).toBeUndefined();
    expect(existsSync(join(dir.root, 'starts'))).toBe(false);
    expect(next.u.status()).toMatchObject({ version: '2.0.0', state: 'confirmed' });
    expect(readdirSync(dir.versions).sort()).toEqual(['1.0.0', '2.0.0']);
  });

  it('refuses a bundle whose SHA-256 is not the one the desired state gives', async () => {
    const { u, restarts, done } = updater('1.0.0');
    const wanted = desired(served);
    served = Buffer.concat([served, Buffer.from('tampered')]);
    u.want({ ...wanted, size: served.length });
    await done;
    expect(restarts).toEqual([]);
    expect(u.status()?.state).toBe('refused');
    expect(u.status()?.reason).toMatch(/^checksum mismatch/);
    nothingSwapped();
  });

  it("refuses a bundle signed by a key that is not the hub's", async () => {
    const { u, restarts, done } = updater('1.0.0');
    u.want(desired(served, signer()));
    await done;
    expect(restarts).toEqual([]);
    expect(u.status()?.reason).toMatch(
      /^bundle signature refused: signed by key \w+, which this agent does not trust/,
    );
    nothingSwapped();
  });

  it('refuses a signature made for another version', async () => {
    const { u, done } = updater('1.0.0');
    const other = desired(served, hub, '9.9.9');
    u.want({ ...other, version: '2.0.0' });
    await done;
    expect(u.status()?.reason).toMatch(/^bundle signature refused: bad signature/);
    nothingSwapped();
  });

  it('refuses a bundle that says it is another version', async () => {
    served = archiveOf(work, '2.0.1');
    const { u, done } = updater('1.0.0');
    u.want(desired(served));
    await done;
    expect(u.status()?.reason).toBe("the bundle says it is version '2.0.1', not '2.0.0'");
    nothingSwapped();
  });

  it('stops a version on trial that is not confirmed by its deadline, so that the launcher restores the previous one', async () => {
    dir.setPending({ version: '2.0.0', previous: '1.0.0', deadline: Math.floor(Date.now() / 1000) + 1 });
    const { u, restarts, done } = updater('2.0.0');
    u.start();
    await done;
    expect(restarts).toEqual(['update not confirmed in time']);
    expect(dir.pending()).toMatchObject({ version: '2.0.0' });
    u.close();
  });

  it("does not install again a version this device rolled back, and reports the launcher's word on it", () => {
    // As the launcher writes them when it restores the previous version.
    writeFileSync(join(dir.root, 'failed'), '2.0.0\n');
    writeFileSync(
      join(dir.root, 'last-update.json'),
      '{"version":"2.0.0","state":"rolled_back","reason":"started 3 times without connecting and syncing","at":"2026-12-07T02:42:40Z"}\n',
    );
    const { u, changes } = updater('1.0.0');
    expect(u.status()).toEqual({
      version: '2.0.0',
      state: 'rolled_back',
      reason: 'started 3 times without connecting and syncing',
      at: '2026-12-07T02:42:40Z',
    });
    u.want(desired(served));
    expect(changes).toEqual([]);
    nothingSwapped();
  });
});
