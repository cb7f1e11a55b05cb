import { execFileSync } from 'node:child_process';
import { readlink } from 'node:fs/promises';
import { describe, expect, it } from 'vitest';
import { lowerHelperThreads, SCHED_IDLE, threadScheduling as schedOf } from './thread-priority.js';

const hasChrt = (() => {
  try {
    execFileSync('chrt', ['--version'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
})();

describe.runIf(process.platform === 'linux')('lowerHelperThreads', () => {
  it("lowers V8's helper threads, not the main thread nor libuv's pool", async () => {
    const before = schedOf(process.pid);
    const lowered = await lowerHelperThreads();
    // Node 20 starts 4 platform workers and a delayed-task thread before any JavaScript.
    expect(lowered.length).toBeGreaterThanOrEqual(4);
    expect(lowered).not.toContain(process.pid);
    for (const tid of lowered) {
      const sched = schedOf(tid);
      expect(sched.nice).toBe(19);
      if (hasChrt) expect(sched.policy).toBe(SCHED_IDLE);
    }
    expect(schedOf(process.pid)).toEqual(before);
    const links = await Promise.all(Array.from({ length: 32 }, () => readlink('/proc/thread-self')));
    const pool = new Set(links.map((link) => Number(link.split('/').pop())));
    for (const tid of pool) {
      expect(lowered).not.toContain(tid);
      expect(schedOf(tid)).toEqual(before);
    }
  });
});
