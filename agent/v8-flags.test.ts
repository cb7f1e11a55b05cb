import { describe, expect, it } from 'vitest';
import { workerExecArgv } from './store/module-worker.js';
import { agentNodeOptions } from './v8-flags.js';

const MB = 1024 ** 2;

describe('agentNodeOptions', () => {
  it('caps the old generation at a quarter of the device memory', () => {
    expect(agentNodeOptions(512 * MB)).toEqual(['--max-semi-space-size=1', '--max-old-space-size=128']);
  });

  it('keeps at least 64 MB on a tiny device and at most 256 MB on a large one', () => {
    expect(agentNodeOptions(128 * MB)).toContain('--max-old-space-size=64');
    expect(agentNodeOptions(32 * 1024 * MB)).toContain('--max-old-space-size=256');
  });
});

describe('workerExecArgv', () => {
  it('keeps the module-loading options and leaves out V8 flags and --input-type', () => {
    const argv = [
      '--max-semi-space-size=1',
      '--import',
      'file:///l.mjs',
      '--input-type',
      'module',
      '-r',
      'x',
      '--conditions=dev',
      '--max-old-space-size=64',
      '--enable-source-maps',
    ];
    expect(workerExecArgv(argv)).toEqual([
      '--import',
      'file:///l.mjs',
      '-r',
      'x',
      '--conditions=dev',
      '--enable-source-maps',
    ]);
  });
});
