/** Flow documents are refused, fast and with a located reason, when their source or their expansion is too large. */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { createRegistry } from '../plugins/registry.js';
import { testTasks, testTriggers, where } from '../test/fixtures/loader/support.js';
import { FlowDirectory } from './flow-directory.js';
import { FLOW_LIMITS } from './flow-limits.js';
import { parseFlow } from './flow-loader.js';

const registry = createRegistry(testTasks, testTriggers);
/** What the quadratic or exponential ways took is minutes; linear reading takes under a second when idle. */
const WELL_UNDER_A_MINUTE = 20_000;
const TASKS = 'tasks:\n  - id: a\n    type: log\n    message: hi\n';

/** `aliases` variables naming one anchored list of `items` numbers, written as compactly as YAML allows. */
function aliasBomb(items: number, aliases: number): string {
  const list = `[${Array(items).fill(0).join(',')}]`;
  const uses = Array.from({ length: aliases }, (_, i) => `  v${i}: *l\n`).join('');
  return `id: bomb\nnamespace: test\n${TASKS}variables:\n  list: &l ${list}\n${uses}`;
}

/** The problems of `source`, with how long parsing took. */
function timed(source: string) {
  const start = Date.now();
  const result = parseFlow(source, registry);
  return { ...result, ms: Date.now() - start };
}

describe('flow size limits', () => {
  it('refuses 999 aliases of a 100,000-item list (a 200 KB body) at once', () => {
    const source = aliasBomb(100_000, 999);
    expect(source.length).toBeLessThan(220_000);
    const { flow, problems, ms } = timed(source);
    expect(flow).toBeUndefined();
    expect(problems).toHaveLength(1);
    expect(problems[0]?.message).toMatch(/^the flow is too large: more than 100,000 values/);
    // Reading 100,000 values takes about half a second; validating their 100 million copies took minutes.
    // The bound separates the two with room for a loaded machine; bench/ measures speed, not this test.
    expect(ms).toBeLessThan(WELL_UNDER_A_MINUTE);
  });

  it('refuses aliases that expand a small document past the limit, at the alias that crosses it', () => {
    const source = aliasBomb(1000, 999);
    const { problems, ms } = timed(source);
    expect(problems).toHaveLength(1);
    const { message, line, column } = problems[0]!;
    expect(message).toBe(
      'the flow is too large once its aliases are expanded: more than 100,000 values by alias *l',
    );
    const text = source.split('\n')[line! - 1]!;
    expect(text).toMatch(/^ {2}v\d+: \*l$/);
    expect(text.slice(column! - 1)).toBe('*l');
    expect(ms).toBeLessThan(WELL_UNDER_A_MINUTE);
  });

  it('counts the characters a repeated text expands to', () => {
    const text = 'x'.repeat(500_000);
    const source = `id: f\nnamespace: test\n${TASKS}variables:\n  t: &t ${text}\n${Array.from({ length: 10 }, (_, i) => `  c${i}: *t\n`).join('')}`;
    expect(parseFlow(source, registry).problems[0]?.message).toMatch(
      /^the flow is too large once its aliases are expanded: more than 4,194,304 characters by alias \*t/,
    );
  });

  it('refuses a source over the size limit before reading it, at the line where the limit falls', () => {
    const line = `  # ${'padding '.repeat(12)}\n`;
    // YAML that would not parse, past the limit: read, it would add a problem of its own.
    const unreadable = 'tasks: [unclosed\n';
    const source = `id: f\nnamespace: test\n${TASKS}${line.repeat(Math.ceil(FLOW_LIMITS.maxSourceBytes / line.length) + 10)}${unreadable}`;
    const { problems } = parseFlow(source, registry);
    expect(problems).toHaveLength(1);
    expect(problems[0]?.message).toMatch(/^the flow is [\d,]+ bytes long; a flow may be at most 1,048,576$/);
    expect(problems[0]?.line).toBe(Math.floor(FLOW_LIMITS.maxSourceBytes / line.length) + 7);
  });

  it('still reads anchors, aliases and merge keys within the limits', () => {
    const source = `id: f\nnamespace: test\nvariables:\n  base: &b { level: WARN }\n  copy: *b\ntasks:\n  - <<: *b\n    id: a\n    type: log\n    message: hi\n`;
    const { flow, problems } = parseFlow(source, registry);
    expect(problems).toEqual([]);
    expect(flow?.tasks[0]).toMatchObject({ id: 'a', level: 'WARN' });
  });
});

describe('duplicate keys', () => {
  it('are found in a map of 50,000 keys in linear time', () => {
    const keys = Array.from({ length: 50_000 }, (_, i) => `  k${i}: ${i}\n`).join('');
    const source = `id: f\nnamespace: test\n${TASKS}variables:\n${keys}  k7: again\n`;
    const { problems, ms } = timed(source);
    expect(problems).toEqual([
      { path: '', ...where(source, 'k7: again'), message: 'Map keys must be unique' },
    ]);
    // The `yaml` library's own check took 14 s for 20,000 keys, so about 90 s for these 50,000.
    expect(ms).toBeLessThan(WELL_UNDER_A_MINUTE);
  });

  it('may repeat merge keys, as YAML allows', () => {
    const source = `id: f\nnamespace: test\nvariables:\n  a: &a { x: 1 }\n  b: &b { y: 2 }\n  c:\n    <<: *a\n    <<: *b\n${TASKS}`;
    expect(parseFlow(source, registry).problems).toEqual([]);
  });
});

describe("an agent's flow folder", () => {
  it('reports an alias bomb with its line and loads the other flows', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'tern-flow-limits-'));
    writeFileSync(join(dir, 'bomb.yml'), aliasBomb(1000, 999));
    writeFileSync(join(dir, 'fine.yml'), `id: fine\nnamespace: test\n${TASKS}`);
    const flows = new FlowDirectory();
    const start = Date.now();
    const loaded = await flows.load([dir], registry);
    expect(Date.now() - start).toBeLessThan(WELL_UNDER_A_MINUTE);
    expect(loaded.find((l) => l.file.endsWith('bomb.yml'))?.problems).toEqual([
      expect.objectContaining({
        file: join(dir, 'bomb.yml'),
        line: expect.any(Number),
        message: expect.stringMatching(/^the flow is too large once its aliases are expanded/),
      }),
    ]);
    expect(flows.getFlow('test', 'fine')).toBeDefined();
  });
});
