/**
 * `npm run bench`: runs every benchmark several times and prints one table
 * (also bench/results/latest.json). `npm run bench -- B4 B6` runs only those;
 * a number among the arguments sets the runs per figure (default 3).
 * `npm run bench -- B7 soak 30m` adds B7's soak, for that long (default 2 minutes).
 */
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { cpus } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { b4, b5, b6, b7, b7Soak } from './agent-figures.js';
import { eventToFirstTask, executionsPerSecond, mqttToFirstTask } from './engine-bench.js';
import { B8_CASES, rendersPerSecond } from './expr-bench.js';
import { webhookToSuccess } from './hub-bench.js';
import { b9 } from './hub-memory-bench.js';
import { benchPgUrl } from './pg.js';
import { sensorAlertFigures } from './sensor-alert-figures.js';
import { type Figure, median, printTable } from './stats.js';

const ARGS = process.argv.slice(2);
const RUNS = Number(ARGS.find((a) => /^\d+$/.test(a)) ?? 3);
const SELECTED = new Set(ARGS.filter((a) => /^B\d+$/i.test(a)).map((a) => a.toUpperCase()));
const SOAK = ARGS.includes('soak');
const SOAK_FOR = ARGS.find((a) => /^\d+[ms]$/.test(a));
/** How long B7's soak runs: `30m`, `90s`; 2 minutes by default. */
const SOAK_MS = SOAK_FOR ? Number(SOAK_FOR.slice(0, -1)) * (SOAK_FOR.endsWith('m') ? 60_000 : 1000) : 120_000;
const unknown = ARGS.filter(
  (a) => !/^\d+$/.test(a) && !/^B[1-9]$/i.test(a) && a !== 'soak' && a !== SOAK_FOR,
);
if (unknown.length > 0) {
  console.error(
    `unknown arguments: ${unknown.join(' ')} (expected benchmark ids B1–B9, a run count, and \`soak\` with a duration such as 30m)`,
  );
  process.exit(2);
}
const wanted = (id: string) => SELECTED.size === 0 || SELECTED.has(id);

async function repeat<T>(fn: () => Promise<T>): Promise<T[]> {
  const out: T[] = [];
  for (let i = 0; i < RUNS; i++) out.push(await fn());
  return out;
}

async function main(): Promise<void> {
  const figures: Figure[] = [];
  // The benchmark process's own settings: where PostgreSQL is (B3 runs on PGlite without one).
  const pgUrl = benchPgUrl();

  if (wanted('B1')) {
    const b1 = await repeat(() => mqttToFirstTask());
    for (const [key, label, target] of [
      ['p50', 'p50', '≤ 1 ms'],
      ['p99', 'p99', '≤ 5 ms'],
    ] as const) {
      const runs = b1.map((r) => r[key]);
      figures.push({
        id: 'B1',
        figure: `agent: MQTT message on the local broker → first task started, ${label}`,
        value: median(runs),
        unit: 'ms',
        target,
        runs,
      });
    }
    // The engine's share of B1: the same flow started in-process, without the broker and the trigger.
    const b1e = await repeat(() => eventToFirstTask());
    for (const key of ['p50', 'p99'] as const) {
      const runs = b1e.map((r) => r[key]);
      figures.push({
        id: 'B1',
        figure: `engine only: event handed to the engine → first task started, ${key}`,
        value: median(runs),
        unit: 'ms',
        target: '(share of B1)',
        runs,
      });
    }
    figures.push(...(await sensorAlertFigures(repeat)));
  }

  if (wanted('B2')) {
    const b2 = await repeat(() => executionsPerSecond());
    figures.push({
      id: 'B2',
      figure: 'executions/s, 2-task flow (log + output), durable SQLite state',
      value: median(b2),
      unit: 'exec/s',
      target: '≥ 5,000/s',
      runs: b2,
    });
  }

  if (wanted('B3')) {
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
  }

  if (wanted('B4')) figures.push(...(await b4(repeat, pgUrl)));
  if (wanted('B5')) figures.push(...(await b5()));
  if (wanted('B6')) figures.push(...(await b6(repeat, pgUrl)));
  if (wanted('B7')) figures.push(...(await b7(repeat, pgUrl)));
  if (wanted('B7') && SOAK) {
    const soak = await b7Soak(pgUrl, SOAK_MS);
    figures.push(...soak.figures);
    if (soak.growing) process.exitCode = 1;
  }
  if (wanted('B9')) figures.push(...(await b9(repeat, pgUrl)));

  if (wanted('B8')) {
    for (const [name, target] of [
      ['simple', '≥ 2,000,000/s'],
      ['typical', '(reported)'],
      ['loop', '(reported)'],
    ] as const) {
      const rates = await repeat(async () => rendersPerSecond(B8_CASES[name]));
      for (const [key, per, shown] of [
        ['wall', 'renders/s', target],
        ['cpu', 'renders per CPU-second', '(load-independent)'],
      ] as const) {
        const runs = rates.map((r) => r[key]);
        figures.push({
          id: 'B8',
          figure: `expression ${per}, ${name}: \`${B8_CASES[name].slice(0, 60)}\``,
          value: median(runs),
          unit: 'renders/s',
          target: shown,
          runs,
        });
      }
    }
  }

  printTable(figures);
  if (process.exitCode === 1) console.error('B7 soak: the agent grows (see the slopes above)');
  const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
  mkdirSync(join(root, 'bench', 'results'), { recursive: true });
  const file = join(root, 'bench', 'results', 'latest.json');
  writeFileSync(
    file,
    `${JSON.stringify({ date: new Date().toISOString(), cores: cpus().length, node: process.version, runs: RUNS, figures: merged(file, figures) }, null, 2)}\n`,
  );
}

/** A run of some ids replaces their figures in the file and keeps the others. */
function merged(file: string, figures: Figure[]): Figure[] {
  if (SELECTED.size === 0 || !existsSync(file)) return figures;
  const previous = (JSON.parse(readFileSync(file, 'utf8')) as { figures?: Figure[] }).figures ?? [];
  const ran = new Set(figures.map((f) => f.id).concat([...SELECTED]));
  return [...previous.filter((f) => !ran.has(f.id)), ...figures].sort((a, b) =>
    a.id.localeCompare(b.id, 'en', { numeric: true }),
  );
}

await main();
