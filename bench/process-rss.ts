/** Memory of a benchmark's child process, read from /proc, and how it is stopped. */
import type { ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { median } from './stats.js';

/** How long a process is left alone before its RSS is read, then how samples are taken. */
const SETTLE_MS = 3000;
const SAMPLES = 5;
const SAMPLE_EVERY_MS = 200;

/** Waits {@link SETTLE_MS}, then the median of a few VmRSS readings, in MB. */
export async function settledRss(pid: number): Promise<number> {
  await new Promise((r) => setTimeout(r, SETTLE_MS));
  const samples: number[] = [];
  for (let i = 0; i < SAMPLES; i++) {
    samples.push(vmRssKb(pid) / 1024);
    await new Promise((r) => setTimeout(r, SAMPLE_EVERY_MS));
  }
  return median(samples);
}

/** The process's resident set now, in kB (VmRSS of /proc/PID/status). */
export function vmRssKb(pid: number): number {
  const match = /^VmRSS:\s+(\d+) kB/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  if (!match) throw new Error(`no VmRSS for process ${pid}`);
  return Number(match[1]);
}

/** SIGTERM, and SIGKILL if it has not exited within `graceMs`. */
export async function stop(child: ChildProcess, graceMs = 5000): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
  await exited;
  clearTimeout(timer);
}
