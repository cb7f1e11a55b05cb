/** Large flows are checked on a worker thread (the compiled one in dist/), small ones at once. */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { FlowCheckPool, INLINE_BELOW_CHARS } from '../../hub/api/flow-check.js';
import { checkSubmission } from '../../hub/api/flow-source.js';
import { builtinRegistry } from '../../plugins/builtin.js';
import { Renderer } from '../../runtime/expr/index.js';
import { assertBuilt, ROOT } from '../support/cli.js';

const registry = builtinRegistry();
const renderer = new Renderer();
const WORKER = pathToFileURL(join(ROOT, 'dist', 'hub', 'api', 'flow-check-worker.js'));

/** A valid flow of `tasks` log tasks, one with a problem when `broken`. */
function flowOf(tasks: number, broken = false): string {
  const list = Array.from(
    { length: tasks },
    (_, i) => `  - id: t${i}\n    type: log\n    message: "{{ inputs.a ?? ${i} }}"\n`,
  ).join('');
  return `id: big\nnamespace: test\ntasks:\n${list}${broken ? '  - id: bad\n    type: log\n' : ''}`;
}

/** The longest the event loop went without a turn while `work` ran. */
async function longestStall<T>(work: () => Promise<T>): Promise<{ result: T; stall: number }> {
  let last = Date.now();
  let stall = 0;
  const timer = setInterval(() => {
    stall = Math.max(stall, Date.now() - last);
    last = Date.now();
  }, 5);
  try {
    const result = await work();
    return { result, stall: Math.max(stall, Date.now() - last) };
  } finally {
    clearInterval(timer);
  }
}

let pool: FlowCheckPool | undefined;
afterEach(async () => {
  await pool?.close();
});

describe('FlowCheckPool', () => {
  it('checks a large flow on its worker, with the same outcome, while the event loop goes on', async () => {
    assertBuilt();
    pool = new FlowCheckPool(registry, renderer, WORKER);
    const text = flowOf(8000, true);
    expect(text.length).toBeGreaterThan(INLINE_BELOW_CHARS);
    const { result, stall } = await longestStall(() => pool!.check({ kind: 'yaml', text }));
    expect(result).toEqual(checkSubmission({ kind: 'yaml', text }, registry, renderer));
    expect(result.problems).toEqual([
      expect.objectContaining({ path: 'tasks[8000]', message: "missing required property 'message'" }),
    ]);
    expect(stall).toBeLessThan(250);
  });

  it('checks a JSON flow on its worker and gives back its source as YAML', async () => {
    assertBuilt();
    pool = new FlowCheckPool(registry, renderer, WORKER);
    const tasks = Array.from({ length: 3000 }, (_, i) => ({ id: `t${i}`, type: 'log', message: 'hi' }));
    const checked = await pool.check({ kind: 'json', value: { id: 'j', namespace: 'test', tasks } });
    expect(checked.problems).toEqual([]);
    expect(checked.source).toMatch(/^id: j\nnamespace: test\ntasks:\n {2}- id: t0\n/);
  });

  it('refuses the check in progress when its worker stops, and goes on with a new one', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'tern-flow-check-'));
    const crashing = join(dir, 'crashing-worker.mjs');
    writeFileSync(crashing, 'process.exit(3);\n');
    pool = new FlowCheckPool(registry, renderer, pathToFileURL(crashing));
    const text = flowOf(4000);
    const [first, second] = await Promise.all([
      pool.check({ kind: 'yaml', text }),
      pool.check({ kind: 'yaml', text }),
    ]);
    for (const checked of [first, second])
      expect(checked.problems).toEqual([
        expect.objectContaining({ message: 'the flow could not be checked: the checker stopped' }),
      ]);
  });

  it('checks a small flow at once', async () => {
    pool = new FlowCheckPool(registry, renderer, pathToFileURL(join(tmpdir(), 'no-such-worker.js')));
    const checked = await pool.check({ kind: 'yaml', text: flowOf(2) });
    expect(checked.problems).toEqual([]);
    expect(checked.flow?.tasks).toHaveLength(2);
  });
});
