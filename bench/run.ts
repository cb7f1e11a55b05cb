/** `npm run bench`: runs every benchmark several times and prints one table (also bench/results/latest.json). */
import { mkdirSync, writeFileSync } from 'node:fs';
import { cpus } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { eventToFirstTask, executionsPerSecond } from './engine-bench.js';
import { webhookToSuccess } from './hub-bench.js';
import { type Figure, median, printTable } from './stats.js';

const RUNS = Number(process.argv[2] ?? 3);

async function repeat<T>(fn: () => Promise<T>): Promise<T[]> {
  const out: T[] = [];
  for (let i = 0; i < RUNS; i++) out.push(await fn());
  return out;
}

async function main(): Promise<void> {
  const figures: Figure[] = [];

  const b1 = await repeat(() => eventToFirstTask());
  const p50 = b1.map((r) => r.p50);
  const p99 = b1.map((r) => r.p99);
  figures.push({
    id: 'B1',
    figure: 'event handed to engine → first task started, p50 (in-process)',
    value: median(p50),
    unit: 'ms',
    target: '≤ 1 ms',
    runs: p50,
  });
  figures.push({
    id: 'B1',
    figure: 'event handed to engine → first task started, p99 (in-process)',
    value: median(p99),
    unit: 'ms',
    target: '≤ 5 ms',
    runs: p99,
  });

  const b2 = await repeat(() => executionsPerSecond());
  figures.push({
    id: 'B2',
    figure: 'executions/s, 2-task flow (log + output), durable SQLite state',
    value: median(b2),
    unit: 'exec/s',
    target: '≥ 5,000/s',
    runs: b2,
  });

  // The benchmark process's own settings: where PostgreSQL is (B3 runs on PGlite without one).
  const pgUrl = process.env.TERN_BENCH_PG_URL ?? process.env.TERN_TEST_PG_URL;
  const where = pgUrl ? 'PostgreSQL' : 'PGlite (no TERN_TEST_PG_URL)';
  const b3 = await repeat(() => webhookToSuccess(pgUrl, 500, 5));
  const lost = b3.map((r) => r.sent - r.succeeded);
  figures.push({
    id: 'B3',
    figure: `webhook → SUCCESS of a 2-task hub flow at 500 req/s, p50, ${where}`,
    value: median(b3.map((r) => r.p50)),
    unit: 'ms',
    target: '≤ 10 ms',
    runs: b3.map((r) => r.p50),
    note: `not completed: ${lost.join('/')}`,
  });
  figures.push({
    id: 'B3',
    figure: `webhook → SUCCESS of a 2-task hub flow at 500 req/s, p99, ${where}`,
    value: median(b3.map((r) => r.p99)),
    unit: 'ms',
    target: '(p99 reported)',
    runs: b3.map((r) => r.p99),
  });

  printTable(figures);
  const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
  mkdirSync(join(root, 'bench', 'results'), { recursive: true });
  writeFileSync(
    join(root, 'bench', 'results', 'latest.json'),
    `${JSON.stringify({ date: new Date().toISOString(), cores: cpus().length, node: process.version, runs: RUNS, figures }, null, 2)}\n`,
  );
}

await main();
