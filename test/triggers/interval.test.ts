/**
 * The `interval` trigger: readings from a real shell command and a real HTTP
 * endpoint on a hand-moved clock, what starts an execution under each
 * `fireOn`, and the last value kept across a restart.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { ManualClock } from '../support/clock.js';
import { eventually, type TriggerRig, triggerRig } from './harness.js';

const rigs: TriggerRig[] = [];
const cleanups: (() => void)[] = [];
afterEach(async () => {
  for (const r of rigs.splice(0)) await r.close();
  for (const c of cleanups.splice(0)) c();
});

function sensorFile(value: string): { path: string; set(v: string): void } {
  const dir = mkdtempSync(join(tmpdir(), 'tern-interval-'));
  cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
  const path = join(dir, 'reading');
  writeFileSync(path, value);
  return { path, set: (v) => writeFileSync(path, v) };
}

const poll = (source: string, extra = '') => `id: poll
namespace: test.interval
triggers:
  - id: every-ten-seconds
    type: interval
    interval: 10s
${source}${extra}tasks:
  - id: show
    type: log
    message: "{{ trigger.previous }} -> {{ trigger.value }}"
`;

/** Moves the clock to the next reading and waits until it is done (its next timer set). */
async function reading(clock: ManualClock, ms: number): Promise<void> {
  await eventually(() => expect(clock.pending).toBe(1));
  await clock.advance(ms);
  await eventually(() => expect(clock.pending).toBe(1));
}

const values = (r: TriggerRig) => r.started.map((e) => [e.trigger?.previous, e.trigger?.value]);

describe('interval trigger', () => {
  it('starts the flow when the value read changes; the first reading only sets it', async () => {
    const sensor = sensorFile('20');
    const clock = new ManualClock('2024-05-01T08:00:00Z');
    const r = triggerRig({ clock });
    rigs.push(r);
    await r.deploy(poll(`    command: cat ${sensor.path}\n`));
    await reading(clock, 0);
    await reading(clock, 10_000);
    expect(r.started).toEqual([]);
    sensor.set('21\n');
    await reading(clock, 10_000);
    await eventually(() => expect(values(r)).toEqual([[20, 21]]));
    expect(r.started[0]?.trigger?.date).toBe('2024-05-01T08:00:20.000Z');
    await reading(clock, 10_000);
    expect(values(r)).toEqual([[20, 21]]);
  });

  it('keeps the last value across a restart: an unchanged reading starts nothing, a change does', async () => {
    const sensor = sensorFile('"closed"');
    const clock = new ManualClock('2024-05-01T08:00:00Z');
    const first = triggerRig({ clock });
    await first.deploy(poll(`    command: cat ${sensor.path}\n`));
    await reading(clock, 0);
    await first.close(true);

    const second = triggerRig({ clock, dir: first.dir });
    rigs.push(second);
    await second.deploy(poll(`    command: cat ${sensor.path}\n`));
    await reading(clock, 0);
    expect(second.started).toEqual([]);
    sensor.set('"open"');
    await reading(clock, 10_000);
    await eventually(() => expect(values(second)).toEqual([['closed', 'open']]));
  });

  it('with fireOn CONDITION, starts the flow whenever the condition over value and previous holds', async () => {
    const sensor = sensorFile('25');
    const clock = new ManualClock('2024-05-01T08:00:00Z');
    const r = triggerRig({ clock });
    rigs.push(r);
    const condition =
      '    fireOn: CONDITION\n    condition: "{{ trigger.value > 30 and (trigger.previous ?? 0) <= 30 }}"\n';
    await r.deploy(poll(`    command: cat ${sensor.path}\n`, condition));
    await reading(clock, 0);
    sensor.set('35');
    await reading(clock, 10_000);
    sensor.set('36');
    await reading(clock, 10_000);
    sensor.set('20');
    await reading(clock, 10_000);
    sensor.set('31');
    await reading(clock, 10_000);
    await eventually(() =>
      expect(values(r)).toEqual([
        [25, 35],
        [20, 31],
      ]),
    );
  });

  it('reads an HTTP endpoint, JSON parsed; fireOn ALWAYS starts the flow at every reading', async () => {
    let door = 'open';
    const server: Server = createServer((_req, res) => {
      res.setHeader('content-type', 'application/json');
      res.end(JSON.stringify({ door }));
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    cleanups.push(() => server.close());
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/state`;
    const clock = new ManualClock('2024-05-01T08:00:00Z');
    const r = triggerRig({ clock });
    rigs.push(r);
    await r.deploy(poll(`    http: ${url}\n`, '    fireOn: ALWAYS\n'));
    await reading(clock, 0);
    door = 'closed';
    await reading(clock, 10_000);
    await eventually(() =>
      expect(values(r)).toEqual([
        [null, { door: 'open' }],
        [{ door: 'open' }, { door: 'closed' }],
      ]),
    );
  });

  it('logs a failing reading once, starts nothing, and goes on reading', async () => {
    const sensor = sensorFile('1');
    const clock = new ManualClock('2024-05-01T08:00:00Z');
    const r = triggerRig({ clock });
    rigs.push(r);
    await r.deploy(poll(`    command: cat ${sensor.path}.missing || exit 3\n`, '    fireOn: ALWAYS\n'));
    await reading(clock, 0);
    await reading(clock, 10_000);
    const warnings = r.logs.filter((l) => l.level === 'warn' && l.message.startsWith('reading failed'));
    expect(warnings).toHaveLength(1);
    expect(warnings[0]?.message).toContain('exited with 3');
    expect(r.started).toEqual([]);
  });
});

describe('interval trigger validation', () => {
  it('needs one source, a positive interval, and a condition with fireOn CONDITION', async () => {
    const { parseFlow } = await import('../../runtime/flow-loader.js');
    const { builtinRegistry } = await import('../../plugins/builtin.js');
    const result = parseFlow(
      `id: bad
namespace: test.interval
triggers:
  - id: t
    type: interval
    interval: soon
    fireOn: CONDITION
tasks:
  - id: show
    type: log
    message: hi
`,
      builtinRegistry(),
    );
    expect(result.problems.map((p) => `${p.path}: ${p.message}`)).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/^triggers\[0\]\.command: give either/),
        expect.stringMatching(/^triggers\[0\]\.interval: 'soon' is not a positive duration/),
        expect.stringMatching(/^triggers\[0\]\.condition: fireOn: CONDITION needs/),
      ]),
    );
  });
});
