/**
 * A real hub process for fault tests: `tern hub` from dist/, its storage
 * (PostgreSQL, or PGlite under a data dir) outliving the process, logging to
 * a file. Started again with the same options it finds its storage (and,
 * embedded, its broker port) as it left them.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { closeSync, openSync } from 'node:fs';
import { expect } from 'vitest';
import { assertBuilt, TERN } from '../support/cli.js';

export interface HubProcessOptions {
  dataDir: string;
  /** PostgreSQL instead of PGlite under the data dir. */
  dbUrl?: string;
  adminToken: string;
  /** The embedded broker's port: fixed, so agents find it again after a restart. */
  mqttPort?: number;
  /** An external broker (credentials in the URL) instead of the embedded one. */
  brokerUrl?: string;
  logFile: string;
  /** More `tern hub` flags (e.g. `--leader-check-ms 500`). */
  extraArgs?: readonly string[];
}

/** A response of the hub API. */
export interface HubResponse {
  status: number;
  // biome-ignore lint/suspicious/noExplicitAny: tests read response bodies freely; the assertions check them.
  body: any;
}

const START_TIMEOUT_MS = 30_000;

/** The hub API with the admin token, at whatever address the hub serves now. */
export class HubApiClient {
  constructor(
    readonly url: string,
    private readonly adminToken: string,
  ) {}

  /** Calls `/api/v1{path}`; a string body goes as YAML, anything else as JSON. */
  async call(method: string, path: string, body?: unknown): Promise<HubResponse> {
    const headers: Record<string, string> = { authorization: `Bearer ${this.adminToken}` };
    if (typeof body === 'string') headers['content-type'] = 'application/x-yaml';
    else if (body !== undefined) headers['content-type'] = 'application/json';
    const res = await fetch(`${this.url}/api/v1${path}`, {
      method,
      headers,
      body: body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body),
    });
    const text = await res.text();
    const json = res.headers.get('content-type')?.includes('json');
    return { status: res.status, body: text && json ? JSON.parse(text) : text };
  }

  /** The Prometheus text of `/metrics`. */
  async metrics(): Promise<string> {
    const res = await this.call('GET', '/metrics');
    expect(res.status).toBe(200);
    return res.body as string;
  }
}

export class HubProcess {
  readonly exited: Promise<void>;

  private constructor(
    private readonly child: ChildProcess,
    readonly url: string,
  ) {
    this.exited = new Promise((resolve) => {
      if (child.exitCode !== null || child.signalCode !== null) resolve();
      else child.once('exit', () => resolve());
    });
  }

  /** Starts `tern hub` and resolves with its API address once it serves. */
  static async start(options: HubProcessOptions): Promise<HubProcess> {
    assertBuilt();
    const args = ['hub', '--host', '127.0.0.1', '--port', '0', '--data-dir', options.dataDir];
    if (options.dbUrl) args.push('--db', options.dbUrl);
    if (options.brokerUrl) args.push('--broker', options.brokerUrl);
    else args.push('--mqtt-port', String(options.mqttPort ?? 0));
    args.push(...(options.extraArgs ?? []));
    const log = openSync(options.logFile, 'a');
    const child = spawn(process.execPath, [TERN, ...args], {
      env: { ...process.env, TERN_ADMIN_TOKEN: options.adminToken, TERN_LOG_LEVEL: 'debug', NO_COLOR: '1' },
      stdio: ['ignore', 'pipe', log],
    });
    closeSync(log);
    const url = await new Promise<string>((resolve, reject) => {
      let out = '';
      const timer = setTimeout(() => {
        child.kill('SIGKILL');
        reject(new Error(`hub did not start within ${START_TIMEOUT_MS} ms (log: ${options.logFile})`));
      }, START_TIMEOUT_MS);
      child.stdout!.on('data', (chunk: Buffer) => {
        out += chunk.toString();
        const match = /running at (http:\/\/\S+)/.exec(out);
        if (match) {
          clearTimeout(timer);
          resolve(match[1]!);
        }
      });
      child.once('exit', (code, signal) => {
        clearTimeout(timer);
        reject(new Error(`hub exited (${code ?? signal}) before it started (log: ${options.logFile})`));
      });
    });
    child.stdout!.resume();
    return new HubProcess(child, url);
  }

  /** The process id, to read its memory from /proc. */
  get pid(): number {
    return this.child.pid!;
  }

  get alive(): boolean {
    return this.child.exitCode === null && this.child.signalCode === null;
  }

  /** Sends `signal` (SIGTERM: a clean stop; SIGKILL: a crash) and waits for the process to end. */
  async stop(signal: NodeJS.Signals = 'SIGTERM'): Promise<void> {
    if (this.alive) this.child.kill(signal);
    await this.exited;
  }
}
