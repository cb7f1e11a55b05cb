/** A Gantt timeline of an execution's task runs: one row per run, one segment per attempt. */
import type { JSX } from 'preact';
import type { Execution, TaskRun } from '../api.js';
import { dateTime, duration, span } from '../format.js';
import { StateBadge } from './common.js';

export function Gantt({
  execution,
  taskRuns,
  now,
}: {
  execution: Execution;
  taskRuns: TaskRun[];
  now: number;
}): JSX.Element {
  const start = Date.parse(execution.startDate);
  const end = Math.max(
    execution.endDate ? Date.parse(execution.endDate) : now,
    ...taskRuns.map((t) => (t.endDate ? Date.parse(t.endDate) : now)),
    start + 1,
  );
  const total = end - start;
  /** Where a span from `a` to `b` sits on the track: at least 2 px wide, so a short one shows, and inside it. */
  const place = (a: number, b: number) => {
    const width = `max(2px, ${Math.min(100, ((b - a) / total) * 100).toFixed(3)}%)`;
    const left = Math.max(0, ((a - start) / total) * 100).toFixed(3);
    return { left: `min(${left}%, calc(100% - ${width}))`, width };
  };
  const rows = [...taskRuns].sort(
    (a, b) => a.startDate.localeCompare(b.startDate) || a.id.localeCompare(b.id),
  );
  const depth = new Map<string, number>();
  for (const r of rows) depth.set(r.id, r.parentTaskRunId ? (depth.get(r.parentTaskRunId) ?? 0) + 1 : 0);
  return (
    <div class="gantt" data-testid="gantt">
      <div class="gantt-row gantt-axis">
        <div class="gantt-label" />
        <div class="gantt-track">
          {[0, 0.25, 0.5, 0.75, 1].map((f) => (
            <span key={f} class="tick" style={{ left: `${f * 100}%` }}>
              {duration(total * f)}
            </span>
          ))}
        </div>
        <div class="gantt-dur" />
      </div>
      {rows.map((r) => {
        const rs = Date.parse(r.startDate);
        const re = r.endDate ? Date.parse(r.endDate) : now;
        const attempts =
          r.attempts.length > 0
            ? r.attempts
            : [{ state: r.state, startDate: r.startDate, endDate: r.endDate }];
        return (
          <div class="gantt-row" key={r.id} data-taskrun={r.taskId}>
            <div class="gantt-label" style={{ paddingLeft: `${(depth.get(r.id) ?? 0) * 14}px` }} title={r.id}>
              {r.taskId}
              {r.value !== null && <span class="muted small"> [{r.value}]</span>}
            </div>
            <div class="gantt-track">
              <div class="gantt-span" style={place(rs, re)} />
              {attempts.map((a, i) => {
                const as = Date.parse(a.startDate);
                const ae = a.endDate ? Date.parse(a.endDate) : now;
                return (
                  <div
                    key={i}
                    class={`gantt-bar fill-${a.state.toLowerCase()}`}
                    style={place(as, ae)}
                    title={`${r.taskId} attempt ${i + 1}: ${a.state}\n${dateTime(a.startDate)} → ${dateTime(a.endDate)}${'error' in a && a.error ? `\n${a.error}` : ''}`}
                  />
                );
              })}
            </div>
            <div class="gantt-dur">
              <StateBadge state={r.state} /> {duration(span(r.startDate, r.endDate))}
              {r.attempts.length > 1 && <span class="muted small"> ×{r.attempts.length}</span>}
            </div>
          </div>
        );
      })}
    </div>
  );
}
