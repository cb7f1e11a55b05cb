/** Runs the built `tern` command (dist/) as a real process. */
import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
export const TERN = join(ROOT, 'dist', 'cli', 'main.js');

export interface CliResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

export function assertBuilt(): void {
  if (!existsSync(TERN)) throw new Error('dist/ is missing: run `npm run build` (npm test does it)');
}

export function tern(
  args: string[],
  options: {
    cwd?: string;
    env?: Record<string, string> /** written to standard input */;
    input?: string;
  } = {},
): Promise<CliResult> {
  assertBuilt();
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [TERN, ...args], {
      cwd: options.cwd ?? ROOT,
      env: { ...process.env, NO_COLOR: '1', ...options.env },
      stdio: [options.input === undefined ? 'ignore' : 'pipe', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout?.on('data', (d: Buffer) => {
      stdout += d.toString();
    });
    child.stderr?.on('data', (d: Buffer) => {
      stderr += d.toString();
    });
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
    if (options.input !== undefined) child.stdin?.end(options.input);
  });
}

/**
 * Starts `tern agent --flows FLOWS --data-dir DATA` (warnings only), for tests that kill it
 * mid-stream; `output` is what it printed so far, both streams.
 */
export function startAgentProcess(flows: string, data: string): { proc: ChildProcess; output: () => string } {
  const proc = spawn(process.execPath, [TERN, 'agent', '--flows', flows, '--data-dir', data], {
    cwd: ROOT,
    env: { ...process.env, NO_COLOR: '1', TERN_LOG_LEVEL: 'warn' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  const keep = (d: Buffer) => {
    output += d.toString();
  };
  proc.stdout?.on('data', keep);
  proc.stderr?.on('data', keep);
  return { proc, output: () => output };
}
