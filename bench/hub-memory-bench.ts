/**
 * B9: memory of a real `tern hub` process (from dist/) on a fresh database: VmRSS once idle, then its
 * peak while B3's webhook load (500 requests/s) runs, and once the load has passed.
 */
import { spawn } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ADMIN_TOKEN, freePort, type HubPlace, hubPlace, until } from './bench-hub.js';
import { settledRss, stop, vmRssKb } from './process-rss.js';
import { type Figure, median } from './stats.js';
import { webhookLoad } from './webhook-load.js';

const CLI = join(dirname(fileURLToPath(import.meta.url)), '..', 'cli', 'main.js');
const KEY = 'bench-key-0123456789';
const FLOW = `id: b9
namespace: bench
triggers:
  - id: hook
    type: webhook
    key: ${KEY}
tasks:
  - id: hello
    type: log
    message: "got {{ trigger.body.n }}"
  - id: out
    type: output
    values:
      n: "{{ trigger.body.n }}"
`;

/** The hub's RSS in MB: idle after start, the highest sample under load, and settled after it. */
export interface HubMemory {
  idle: number;
  loadedPeak: number;
  afterLoad: number;
}

/** Starts `tern hub` in `place`, measures it idle and under `rate` webhooks/s for `seconds`. */
export async function hubMemory(place: HubPlace, rate = 500, seconds = 10): Promise<HubMemory> {
  const [port, mqttPort] = [await freePort(), await freePort()];
  const args = [CLI, 'hub', '--host=127.0.0.1', `--port=${port}`, `--mqtt-port=${mqttPort}`];
  args.push(`--data-dir=${place.dataDir}`, ...(place.dbUrl ? [`--db=${place.dbUrl}`] : []));
  const child = spawn(process.execPath, args, {
    stdio: 'ignore',
    env: { ...process.env, TERN_LOG_LEVEL: 'warn', TERN_ADMIN_TOKEN: ADMIN_TOKEN },
  });
  const base = `http://127.0.0.1:${port}/api/v1`;
  try {
    await until(
      async () => (await fetch(`${base}/healthz`).catch(() => undefined))?.ok === true,
      120_000,
      'the hub to answer /healthz',
      100,
    );
    const idle = await settledRss(child.pid!);
    const put = await fetch(`${base}/flows/bench/b9`, {
      method: 'PUT',
      headers: { authorization: `Bearer ${ADMIN_TOKEN}`, 'content-type': 'application/x-yaml' },
      body: FLOW,
    });
    if (!put.ok) throw new Error(`deploying the bench flow failed: ${put.status} ${await put.text()}`);
    let loadedPeak = 0;
    const sampler = setInterval(() => {
      loadedPeak = Math.max(loadedPeak, vmRssKb(child.pid!) / 1024);
    }, 250);
    try {
      await webhookLoad(new URL(`${base}/executions/webhook/bench/b9/${KEY}`), rate, seconds);
    } finally {
      clearInterval(sampler);
    }
    return { idle, loadedPeak, afterLoad: await settledRss(child.pid!) };
  } finally {
    await stop(child, 10_000);
  }
}

/** B9's rows: the hub on PGlite (its default) and, given a server, on PostgreSQL beside it. */
export async function b9(
  repeat: <T>(fn: () => Promise<T>) => Promise<T[]>,
  pgUrl: string | undefined,
): Promise<Figure[]> {
  const figures: Figure[] = [];
  for (const server of pgUrl ? [undefined, pgUrl] : [undefined]) {
    const runs = await repeat(async () => {
      const place = await hubPlace(server, 'b9');
      try {
        return await hubMemory(place);
      } finally {
        await place.remove();
      }
    });
    const where = server ? 'PostgreSQL' : 'PGlite, the default';
    for (const [key, label, target] of [
      ['idle', 'idle', server ? '(reference)' : '≤ 200 MB'],
      ['loadedPeak', 'peak under B3 load (500 webhooks/s for 10 s)', '(bounded)'],
      ['afterLoad', 'settled after that load', '(bounded)'],
    ] as const) {
      const values = runs.map((r) => Math.round(r[key] * 10) / 10);
      figures.push({
        id: 'B9',
        figure: `hub RSS, ${label}: \`tern hub\` from dist/ on ${where}`,
        value: median(values),
        unit: 'MB',
        target,
        runs: values,
      });
    }
  }
  return figures;
}
