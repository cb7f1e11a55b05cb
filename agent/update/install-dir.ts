/**
 * The install folder the launcher runs the agent from (deploy/agent/tern-agent-launcher), and the files
 * the agent and the launcher share in it: which version runs, which one waits for confirmation, which failed.
 */
import {
  existsSync,
  readFileSync,
  readlinkSync,
  renameSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { basename, join } from 'node:path';
import type { AgentUpdateStatus } from '../../protocol/agent-update.js';

/** An update swapped in and not yet confirmed: the launcher restores `previous` once `deadline` passed or it started too often. */
export interface PendingUpdate {
  version: string;
  previous: string;
  /** Seconds since the epoch (the launcher compares it with `date +%s`). */
  deadline: number;
}

/**
 * The layout, one folder:
 * - `versions/<version>/`: a bundle (tern-agent.mjs, its workers, better_sqlite3.node), unpacked;
 * - `current`: a symbolic link to `versions/<version>`, what the launcher runs;
 * - `pending`: `VERSION PREVIOUS DEADLINE` of an update not confirmed yet; `starts`: the launcher's starts of it;
 * - `failed`: versions rolled back, one a line, never installed again;
 * - `last-update.json`: what became of the last update ({@link AgentUpdateStatus}), for the hub.
 *
 * Plain lines where the launcher reads them: it is a POSIX shell script, with no JSON parser.
 */
export class InstallDir {
  constructor(readonly root: string) {}

  get versions(): string {
    return join(this.root, 'versions');
  }

  versionDir(version: string): string {
    return join(this.versions, version);
  }

  /** The version `current` points at, or undefined when there is no link. */
  current(): string | undefined {
    try {
      return basename(readlinkSync(join(this.root, 'current')));
    } catch {
      return undefined;
    }
  }

  /** Points `current` at `version`, atomically: a new link renamed over the old one. */
  point(version: string): void {
    const next = join(this.root, 'current.next');
    rmSync(next, { force: true });
    symlinkSync(join('versions', version), next);
    renameSync(next, join(this.root, 'current'));
  }

  pending(): PendingUpdate | undefined {
    const line = this.read('pending')?.trim();
    if (!line) return undefined;
    const [version, previous, deadline] = line.split(/\s+/);
    if (!version || !previous || !Number.isFinite(Number(deadline))) return undefined;
    return { version, previous, deadline: Number(deadline) };
  }

  /** Records an update waiting for confirmation (before `current` moves, so a crash in between is caught). */
  setPending(update: PendingUpdate): void {
    this.write('starts', '0\n');
    this.write('pending', `${update.version} ${update.previous} ${update.deadline}\n`);
  }

  /** The update is confirmed: the launcher no longer counts its starts. */
  clearPending(): void {
    rmSync(join(this.root, 'pending'), { force: true });
    rmSync(join(this.root, 'starts'), { force: true });
  }

  /** Versions rolled back on this device. */
  failed(): Set<string> {
    return new Set((this.read('failed') ?? '').split('\n').filter((v) => v !== ''));
  }

  lastUpdate(): AgentUpdateStatus | undefined {
    try {
      const value = JSON.parse(this.read('last-update.json') ?? '') as Partial<AgentUpdateStatus>;
      // Checked by hand: TypeBox's Value.Check knows no `date-time` format, and the launcher writes this file too.
      const states: readonly unknown[] = ['refused', 'swapped', 'confirmed', 'rolled_back'];
      return typeof value.version === 'string' && states.includes(value.state) && typeof value.at === 'string'
        ? (value as AgentUpdateStatus)
        : undefined;
    } catch {
      return undefined;
    }
  }

  setLastUpdate(status: AgentUpdateStatus): void {
    this.write('last-update.json', `${JSON.stringify(status)}\n`);
  }

  has(version: string): boolean {
    return existsSync(join(this.versionDir(version), 'tern-agent.mjs'));
  }

  private read(name: string): string | undefined {
    try {
      return readFileSync(join(this.root, name), 'utf8');
    } catch {
      return undefined;
    }
  }

  /** Written whole or not at all: a temporary file renamed over the old one. */
  private write(name: string, text: string): void {
    const path = join(this.root, name);
    writeFileSync(`${path}.tmp`, text);
    renameSync(`${path}.tmp`, path);
  }
}
