/** Human output of `tern run`: live lines and the final task tree. */
import { styleText } from 'node:util';
import type { Execution, LogLine, TaskRun } from '../protocol/execution.js';
import type { State } from '../protocol/states.js';

type Style = Parameters<typeof styleText>[0];

export class Printer {
  constructor(
    private readonly color: boolean,
    private readonly write: (s: string) => void = (s) => process.stdout.write(s),
  ) {}

  style(format: Style, text: string): string {
    return this.color ? styleText(format, text) : text;
  }

  state(state: State): string {
    const format: Style =
      state === 'SUCCESS'
        ? 'green'
        : state === 'WARNING'
          ? 'yellow'
          : state === 'FAILED' || state === 'KILLED'
            ? 'red'
            : state === 'SKIPPED'
              ? 'gray'
              : 'cyan';
    return this.style(format, state);
  }

  line(text: string): void {
    this.write(`${text}\n`);
  }

  log(line: LogLine): void {
    const level =
      line.level === 'ERROR'
        ? this.style('red', 'ERROR')
        : line.level === 'WARN'
          ? this.style('yellow', 'WARN ')
          : this.style('gray', line.level.padEnd(5));
    const where = line.taskId ? this.style('cyan', line.taskId) : this.style('cyan', 'flow');
    this.line(`${this.style('gray', line.timestamp.slice(11, 23))} ${level} ${where} ${line.message}`);
  }

  /** The execution as a tree of task runs with states, attempts, durations and outputs. */
  summary(execution: Execution, taskRuns: readonly TaskRun[]): void {
    const children = new Map<string | null, TaskRun[]>();
    for (const tr of [...taskRuns].sort((a, b) => (a.id < b.id ? -1 : 1))) {
      const list = children.get(tr.parentTaskRunId) ?? [];
      list.push(tr);
      children.set(tr.parentTaskRunId, list);
    }
    this.line('');
    this.line(
      `${this.style('bold', `${execution.namespace}.${execution.flowId}`)} ${execution.id} ${this.state(execution.state)} ${duration(execution.startDate, execution.endDate)}`,
    );
    const walk = (parent: string | null, depth: number) => {
      for (const tr of children.get(parent) ?? []) {
        const value =
          tr.value !== null && tr.parentTaskRunId !== null && children.get(tr.parentTaskRunId)
            ? ` [${tr.value}]`
            : '';
        const attempts =
          tr.attempts.length > 1 ? this.style('yellow', ` ${tr.attempts.length} attempts`) : '';
        const dur = tr.endDate ? ` ${duration(tr.startDate, tr.endDate)}` : '';
        this.line(
          `${'  '.repeat(depth + 1)}${tr.taskId}${value} ${this.state(tr.state)}${attempts}${this.style('gray', dur)}`,
        );
        if (tr.error && tr.state !== 'SUCCESS')
          this.line(`${'  '.repeat(depth + 2)}${this.style('red', tr.error)}`);
        const shown = visibleOutputs(tr.outputs);
        if (shown) this.line(`${'  '.repeat(depth + 2)}${this.style('gray', `outputs ${shown}`)}`);
        walk(tr.id, depth + 1);
      }
    };
    walk(null, 0);
    if (Object.keys(execution.outputs).length > 0)
      this.line(`${this.style('bold', 'outputs')} ${JSON.stringify(execution.outputs)}`);
    if (execution.error) this.line(this.style('red', execution.error));
  }
}

function visibleOutputs(outputs: Record<string, unknown>): string | undefined {
  if (Object.keys(outputs).length === 0) return undefined;
  const text = JSON.stringify(outputs);
  return text.length > 200 ? `${text.slice(0, 200)}…` : text;
}

export function duration(start: string, end?: string): string {
  if (!end) return '';
  const ms = Date.parse(end) - Date.parse(start);
  return ms < 1000
    ? `${ms}ms`
    : ms < 60_000
      ? `${(ms / 1000).toFixed(2)}s`
      : `${Math.floor(ms / 60_000)}m${Math.round((ms % 60_000) / 1000)}s`;
}
