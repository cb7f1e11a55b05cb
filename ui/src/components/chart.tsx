/** Executions over time: one stacked bar per time bucket, a segment per state. */
import type { JSX } from 'preact';
import { useEffect, useRef, useState } from 'preact/hooks';
import type { State, Stats } from '../api.js';
import { countTicks } from '../ticks.js';

const ORDER: State[] = [
  'SUCCESS',
  'WARNING',
  'FAILED',
  'KILLED',
  'CANCELLED',
  'RUNNING',
  'RETRYING',
  'PAUSED',
  'QUEUED',
  'CREATED',
  'KILLING',
  'SKIPPED',
  'RETRIED',
];
const STEP: Record<Stats['interval'], number> = { minute: 60_000, hour: 3_600_000, day: 86_400_000 };

/** Every bucket start from `from` to `to`, empty ones included. */
function slots(stats: Stats): { start: number; counts: Partial<Record<State, number>> }[] {
  const step = STEP[stats.interval];
  const byStart = new Map(stats.buckets.map((b) => [Date.parse(b.start), b.counts]));
  const first = Math.floor(Date.parse(stats.from) / step) * step;
  const out = [];
  for (let t = first; t < Date.parse(stats.to); t += step)
    out.push({ start: t, counts: byStart.get(t) ?? {} });
  return out;
}

function label(t: number, interval: Stats['interval']): string {
  const d = new Date(t);
  if (interval === 'day') return d.toLocaleDateString(undefined, { month: 'short', day: 'numeric' });
  return d.toLocaleTimeString(undefined, { hour: '2-digit', minute: '2-digit', hour12: false });
}

/** The element's width in CSS pixels, followed as it changes (`fallback` until it is measured). */
function useWidth(fallback: number): [{ current: HTMLDivElement | null }, number] {
  const ref = useRef<HTMLDivElement>(null);
  const [width, setWidth] = useState(fallback);
  useEffect(() => {
    if (!ref.current) return;
    const observer = new ResizeObserver(([entry]) => {
      if (entry && entry.contentRect.width > 0) setWidth(Math.round(entry.contentRect.width));
    });
    observer.observe(ref.current);
    return () => observer.disconnect();
  }, []);
  return [ref, width];
}

export function ExecutionsChart({ stats }: { stats: Stats }): JSX.Element {
  // Drawn at the size it is shown, so that labels keep their size on a phone as on a desktop.
  const [box, W] = useWidth(800);
  const data = slots(stats);
  const totals = data.map((d) => Object.values(d.counts).reduce((a, b) => a + (b ?? 0), 0));
  const ticks = countTicks(Math.max(0, ...totals));
  const max = ticks[ticks.length - 1]!;
  const H = W < 500 ? 170 : 200;
  const pad = { l: 32, b: 22, t: 8 };
  const bw = (W - pad.l) / Math.max(1, data.length);
  const y = (n: number) => ((H - pad.b - pad.t) * n) / max;
  // A time label is about 40 px wide: one every 60 px at most.
  const every = Math.ceil(data.length / Math.max(1, Math.floor((W - pad.l) / 60)));
  const present = ORDER.filter((s) => data.some((d) => d.counts[s]));
  return (
    <div class="chart" ref={box}>
      <svg
        viewBox={`0 0 ${W} ${H}`}
        width={W}
        height={H}
        role="img"
        aria-label="Executions over time by state"
      >
        {ticks.map((n) => (
          <g key={n}>
            <line class="grid" x1={pad.l} x2={W} y1={H - pad.b - y(n)} y2={H - pad.b - y(n)} />
            <text class="axis" x={pad.l - 4} y={H - pad.b - y(n) + 4} text-anchor="end">
              {n}
            </text>
          </g>
        ))}
        {data.map((d, i) => {
          let base = H - pad.b;
          return (
            <g key={d.start}>
              {ORDER.map((state) => {
                const n = d.counts[state];
                if (!n) return null;
                const h = y(n);
                base -= h;
                return (
                  <rect
                    key={state}
                    class={`fill-${state.toLowerCase()}`}
                    x={pad.l + i * bw + bw * 0.12}
                    y={base}
                    width={Math.max(1, bw * 0.76)}
                    height={h}
                  >
                    <title>{`${label(d.start, stats.interval)} — ${state}: ${n}`}</title>
                  </rect>
                );
              })}
              {i % every === 0 && (
                <text class="axis" x={pad.l + i * bw + bw / 2} y={H - 6} text-anchor="middle">
                  {label(d.start, stats.interval)}
                </text>
              )}
            </g>
          );
        })}
      </svg>
      <div class="legend">
        {present.length === 0 && <span class="muted">No executions in this period.</span>}
        {present.map((s) => (
          <span key={s}>
            <i class={`swatch fill-${s.toLowerCase()}`} /> {s}
          </span>
        ))}
      </div>
    </div>
  );
}
