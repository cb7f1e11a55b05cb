/** `tern hub` with a broker it cannot reach at start, as a real process: exit status 1 and one line saying which broker. */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, expect, it } from 'vitest';
import { tern } from '../support/cli.js';
import { freeTcpPort } from '../support/ports.js';

const dir = mkdtempSync(join(tmpdir(), 'tern-hub-broker-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

it('stops with exit status 1 and one line naming the broker it cannot reach', async () => {
  // Free now, so nothing listens there: the connection is refused.
  const port = await freeTcpPort();
  const broker = `mqtt://127.0.0.1:${port}`;
  const r = await tern([
    'hub',
    '--broker',
    broker,
    '--port',
    '0',
    '--host',
    '127.0.0.1',
    '--data-dir',
    join(dir, 'hub'),
  ]);
  expect(r.code).toBe(1);
  // The hub's log is JSON lines; the reason it stops is the one line that is not.
  const said = r.stderr
    .trim()
    .split('\n')
    .filter((line) => !line.startsWith('{'));
  expect(said).toEqual([
    `tern: cannot connect to the MQTT broker at ${broker}: connect ECONNREFUSED 127.0.0.1:${port}`,
  ]);
  expect(r.stderr).not.toContain('"hub started"');
}, 120_000);
