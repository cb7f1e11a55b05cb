/** Kestra's `::{...}::` line protocol: outputs, logs and metrics printed by a script. */
import type { LogLevel } from '../../protocol/execution.js';
import type { TaskLogger } from '../../protocol/plugin.js';

/** A whole line of the form `::{json}::`, as Kestra matches it. */
const DATA_LINE = /^::(\{.*\})::$/;

const LEVELS: Readonly<Record<string, LogLevel>> = {
  TRACE: 'TRACE',
  DEBUG: 'DEBUG',
  INFO: 'INFO',
  WARN: 'WARN',
  WARNING: 'WARN',
  ERROR: 'ERROR',
  CRITICAL: 'ERROR',
  FATAL: 'ERROR',
};

export interface ScriptLogEntry {
  level: LogLevel;
  message: string;
}

export interface ScriptMetric {
  name: string;
  type: string;
  value: unknown;
  tags: Record<string, unknown>;
}

/** What one printed line means. */
export type ParsedLine =
  | { kind: 'text' }
  | {
      kind: 'data';
      outputs: Record<string, unknown>;
      logs: ScriptLogEntry[];
      metrics: ScriptMetric[];
    }
  | { kind: 'invalid'; reason: string };

const isRecord = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

function toLogEntry(value: unknown): ScriptLogEntry | undefined {
  if (!isRecord(value)) return undefined;
  const level = LEVELS[String(value.level ?? 'INFO').toUpperCase()] ?? 'INFO';
  const message = typeof value.message === 'string' ? value.message : JSON.stringify(value.message ?? '');
  return { level, message };
}

function toMetric(value: unknown): ScriptMetric | undefined {
  if (!isRecord(value) || typeof value.name !== 'string') return undefined;
  return {
    name: value.name,
    type: String(value.type ?? 'counter'),
    value: value.value,
    tags: isRecord(value.tags) ? value.tags : {},
  };
}

/**
 * Classifies a line: plain text, a data line carrying `outputs`, `logs` and
 * `metrics`, or a data line whose JSON is broken.
 *
 * @example
 * parseLine('::{"outputs":{"n":1}}::') // { kind: 'data', outputs: { n: 1 }, logs: [], metrics: [] }
 */
export function parseLine(line: string): ParsedLine {
  const match = DATA_LINE.exec(line);
  if (!match?.[1]) return { kind: 'text' };
  let data: unknown;
  try {
    data = JSON.parse(match[1]);
  } catch (err) {
    return { kind: 'invalid', reason: (err as Error).message };
  }
  if (!isRecord(data)) return { kind: 'invalid', reason: 'not a JSON object' };
  if (data.outputs !== undefined && data.outputs !== null && !isRecord(data.outputs)) {
    return { kind: 'invalid', reason: '"outputs" must be an object' };
  }
  const list = (value: unknown): unknown[] => (Array.isArray(value) ? value : []);
  return {
    kind: 'data',
    outputs: isRecord(data.outputs) ? data.outputs : {},
    logs: list(data.logs).flatMap((v) => toLogEntry(v) ?? []),
    metrics: list(data.metrics).flatMap((v) => toMetric(v) ?? []),
  };
}

/**
 * Consumes a script's stdout and stderr lines: plain lines go to the task log
 * (stdout at INFO, stderr at ERROR, as Kestra does since 0.21), data lines set
 * outputs or become log entries and are not logged as text.
 */
export class ScriptLineConsumer {
  /** Outputs set by `::{"outputs": ...}::` lines, merged key by key. */
  readonly vars: Record<string, unknown> = {};
  stdoutLines = 0;
  stderrLines = 0;

  constructor(private readonly logger: TaskLogger) {}

  accept(stream: 'stdout' | 'stderr', line: string): void {
    if (stream === 'stderr') this.stderrLines++;
    else this.stdoutLines++;
    const parsed = parseLine(line);
    if (parsed.kind === 'data') {
      for (const [key, value] of Object.entries(parsed.outputs)) {
        // A JSON key named __proto__ would otherwise replace the prototype of `vars`.
        if (key === '__proto__') continue;
        this.vars[key] = value;
      }
      for (const entry of parsed.logs) this.logger.log(entry.level, entry.message);
      // Metrics are parsed but not recorded: tasks have no metrics port yet.
      return;
    }
    this.logger.log(stream === 'stderr' ? 'ERROR' : 'INFO', line);
    if (parsed.kind === 'invalid') {
      this.logger.warn(`the line above looks like a ::{...}:: data line but was ignored: ${parsed.reason}`);
    }
  }
}
