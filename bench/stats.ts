/** Small statistics and the result table shared by every benchmark. */
import { cpus } from 'node:os';

export interface Figure {
  id: string;
  figure: string;
  value: number;
  unit: string;
  target: string;
  /** Each run's value; `value` is their median. */
  runs: number[];
  peer?: { name: string; value: number };
  note?: string;
}

export function median(values: readonly number[]): number {
  const s = [...values].sort((a, b) => a - b);
  if (s.length === 0) return Number.NaN;
  const mid = Math.floor(s.length / 2);
  return s.length % 2 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2;
}

/** The p-th percentile (0–100) by nearest rank. */
export function percentile(values: readonly number[], p: number): number {
  const s = [...values].sort((a, b) => a - b);
  if (s.length === 0) return Number.NaN;
  const rank = Math.min(s.length - 1, Math.max(0, Math.ceil((p / 100) * s.length) - 1));
  return s[rank]!;
}

export function round(value: number, digits = 3): number {
  const f = 10 ** digits;
  return Math.round(value * f) / f;
}

export function printTable(figures: readonly Figure[]): void {
  const rows = figures.map((f) => [
    f.id,
    f.figure,
    `${round(f.value, 3)} ${f.unit}`,
    f.target,
    f.peer ? `${f.peer.name}: ${round(f.peer.value, 3)} ${f.unit}` : '',
    f.runs.map((r) => round(r, 3)).join(' / '),
  ]);
  const header = ['id', 'figure', 'median', 'target', 'peer', 'runs'];
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  const line = (cells: string[]) => cells.map((c, i) => c.padEnd(widths[i]!)).join('  ');
  console.log(`cores: ${cpus().length}`);
  console.log(line(header));
  console.log(line(widths.map((w) => '-'.repeat(w))));
  for (const r of rows) console.log(line(r));
  const notes = figures.filter((f) => f.note);
  if (notes.length > 0) console.log('\nnotes:');
  for (const f of notes) console.log(`${f.id}  ${f.figure}: ${f.note}`);
}
