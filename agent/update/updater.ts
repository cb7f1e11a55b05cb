/**
 * The agent updating itself: the version a desired state names is downloaded, checked (size, SHA-256, the
 * hub's signature, the version it says it is), unpacked beside the current one and swapped in; then the
 * agent stops so that its supervisor starts the new one, which confirms once it is connected and in sync.
 */
import { execFile } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, renameSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import {
  type AgentUpdateStatus,
  agentBundleContext,
  agentBundlePath,
  type DesiredAgent,
} from '../../protocol/agent-update.js';
import type { Logger } from '../../protocol/logger.js';
import type { TlsClientOptions } from '../hub-trust.js';
import type { HubKeys } from '../sync/hub-keys.js';
import { fetchBundle } from './bundle-fetch.js';
import type { InstallDir } from './install-dir.js';

const run = promisify(execFile);

export interface AgentUpdaterOptions {
  dir: InstallDir;
  /** The version this process is. */
  running: string;
  agentId: string;
  /** The hub's HTTP API (`--hub-api`), where bundles are downloaded from. */
  hubApiUrl: string | undefined;
  token: string | undefined;
  tls?: TlsClientOptions;
  hubKeys: Pick<HubKeys, 'checkDetached'>;
  /** How long a new version has to connect and apply a desired state before it is given up. */
  confirmWithinMs: number;
  /** Node.js, to ask a new bundle its version before it is swapped in. */
  nodePath: string;
  log: Logger;
  /** Stops the agent, so that its supervisor starts what `current` points at. */
  restart(reason: string): void;
  /** The update status changed: the hub should hear of it. */
  changed(): void;
}

/** How long a download may go without an answer. */
const FETCH_TIMEOUT_MS = 60_000;

/**
 * Follows the agent version of each desired state, one update at a time.
 *
 * @example
 * const updater = new AgentUpdater({ dir: new InstallDir('/var/lib/tern-agent/bundle'), running: VERSION, … });
 * updater.start();
 * onDesired: (d) => { apply(d); updater.confirm(); updater.want(d.agent); }
 */
export class AgentUpdater {
  private busy = false;
  private wanted: DesiredAgent | undefined;
  private deadline: NodeJS.Timeout | undefined;
  private last: AgentUpdateStatus | undefined;
  private readonly log: Logger;

  constructor(private readonly options: AgentUpdaterOptions) {
    this.log = options.log.child({ component: 'update' });
    this.last = options.dir.lastUpdate();
  }

  /** What became of the last update, for the status message. */
  status(): AgentUpdateStatus | undefined {
    return this.last;
  }

  /**
   * On start: a version on trial gets its deadline, after which it stops without confirming (the
   * launcher then restores the previous one), so that a version that hangs is rolled back too.
   */
  start(): void {
    const pending = this.options.dir.pending();
    if (pending?.version !== this.options.running) return;
    const left = pending.deadline * 1000 - Date.now();
    this.log.info(
      { version: pending.version, previous: pending.previous, leftMs: left },
      'new version on trial',
    );
    this.deadline = setTimeout(
      () => {
        if (this.options.dir.pending()?.version !== this.options.running) return;
        this.log.error(
          { version: pending.version, previous: pending.previous },
          'new version not confirmed in time: stopping so the launcher restores the previous one',
        );
        this.options.restart('update not confirmed in time');
      },
      Math.max(0, left),
    );
    this.deadline.unref();
  }

  /** Connected and in sync with the hub: a version on trial is confirmed; older versions are removed. */
  confirm(): void {
    const { dir, running } = this.options;
    const pending = dir.pending();
    if (pending?.version !== running) return;
    clearTimeout(this.deadline);
    dir.clearPending();
    this.record({ version: running, state: 'confirmed' });
    this.log.info({ version: running, previous: pending.previous }, 'new version confirmed');
    for (const name of readdirSync(dir.versions))
      if (name !== running && name !== pending.previous)
        rmSync(join(dir.versions, name), { recursive: true, force: true });
  }

  /** The desired state names `desired` (or no version): installs it unless it runs, failed here, or waits for confirmation. */
  want(desired: DesiredAgent | undefined): void {
    if (!desired || desired.version === this.options.running) return;
    const { dir } = this.options;
    if (dir.pending()?.version === this.options.running) {
      this.log.info({ version: desired.version }, 'an update waits until this version is confirmed');
      return;
    }
    if (dir.failed().has(desired.version)) {
      this.log.warn(
        { version: desired.version },
        'version rolled back on this device before: not installed again',
      );
      return;
    }
    this.wanted = desired;
    if (!this.busy) void this.drain();
  }

  close(): void {
    clearTimeout(this.deadline);
  }

  private async drain(): Promise<void> {
    this.busy = true;
    try {
      while (this.wanted) {
        const next = this.wanted;
        this.wanted = undefined;
        try {
          await this.install(next);
          return;
        } catch (err) {
          const reason = (err as Error).message;
          this.log.error({ version: next.version, reason }, 'update refused; nothing swapped');
          this.record({ version: next.version, state: 'refused', reason });
        }
      }
    } finally {
      this.busy = false;
    }
  }

  private async install(desired: DesiredAgent): Promise<void> {
    const { dir, running } = this.options;
    const { version } = desired;
    if (!this.options.hubApiUrl)
      throw new Error("no --hub-api: the agent does not know the hub's HTTP address to download from");
    const previous = dir.current();
    if (!previous)
      throw new Error(
        `${dir.root}/current is not a link to a version: the agent was not started by the launcher`,
      );
    mkdirSync(dir.versions, { recursive: true });
    const archive = join(dir.versions, `.${version}.tar.gz`);
    const unpacked = join(dir.versions, `.${version}.unpacked`);
    rmSync(unpacked, { recursive: true, force: true });
    try {
      this.log.info({ version, size: desired.size }, 'downloading agent version');
      const sha256 = await fetchBundle(
        {
          url: new URL(agentBundlePath(this.options.agentId, version), this.options.hubApiUrl).toString(),
          token: this.options.token,
          size: desired.size,
          tls: this.options.tls,
          timeoutMs: FETCH_TIMEOUT_MS,
        },
        archive,
      );
      if (sha256.toString('hex') !== desired.sha256)
        throw new Error(
          `checksum mismatch: the desired state says ${desired.sha256}, the download is ${sha256.toString('hex')}`,
        );
      const signed = this.options.hubKeys.checkDetached(
        desired.signature,
        sha256,
        agentBundleContext(version),
      );
      if (!signed.ok) throw new Error(`bundle signature refused: ${signed.reason}`);
      mkdirSync(unpacked);
      await run('tar', ['-xzf', archive, '-C', unpacked]);
      if (!existsSync(join(unpacked, 'tern-agent.mjs')))
        throw new Error('the archive holds no tern-agent.mjs');
      const said = (
        await run(this.options.nodePath, [join(unpacked, 'tern-agent.mjs'), '--version'])
      ).stdout.trim();
      if (said !== version) throw new Error(`the bundle says it is version '${said}', not '${version}'`);
      rmSync(dir.versionDir(version), { recursive: true, force: true });
      renameSync(unpacked, dir.versionDir(version));
    } finally {
      rmSync(archive, { force: true });
      rmSync(unpacked, { recursive: true, force: true });
    }
    dir.setPending({
      version,
      previous,
      deadline: Math.ceil((Date.now() + this.options.confirmWithinMs) / 1000),
    });
    dir.point(version);
    this.record({ version, state: 'swapped' });
    this.log.info(
      { version, previous, running },
      'agent version swapped in: stopping for the supervisor to start it',
    );
    this.options.restart(`updating to ${version}`);
  }

  private record(update: Omit<AgentUpdateStatus, 'at'>): void {
    this.last = { ...update, at: new Date().toISOString() };
    try {
      this.options.dir.setLastUpdate(this.last);
    } catch (err) {
      // The status still tells the hub; only a restart forgets it.
      this.log.error({ err: String(err), update: this.last }, 'could not keep the update outcome on disk');
    }
    this.options.changed();
  }
}
