/** `interval`: polls a shell command or an HTTP endpoint every so often and starts the flow on a change or a condition. */
import { Type as T } from '@sinclair/typebox';
import { parseShortOrIsoDuration } from '../../protocol/duration.js';
import { defineTrigger, type PropertyProblem, type TriggerContext } from '../../protocol/plugin.js';
import { isTruthy } from '../../protocol/values.js';
import { fetchBody, type HttpProbe, parseReading, runCommand } from './probe.js';

/** State key: the value last read, kept so that a restart compares with it. */
const VALUE = 'value';

/** Longest default timeout of one reading. */
const MAX_DEFAULT_TIMEOUT_MS = 60_000;

type FireOn = 'CHANGE' | 'CONDITION' | 'ALWAYS';

interface Props {
  interval: string;
  command?: string;
  http?: HttpProbe;
  fireOn?: FireOn;
  condition?: string;
  timeout?: string;
}

const Duration = (description: string) =>
  T.String({ minLength: 1, description: `${description}: ISO-8601 (PT30S) or short (30s, 500ms, 5m, 1h)` });

const templated = (value: unknown): boolean => typeof value === 'string' && value.includes('{{');

export default defineTrigger({
  type: 'interval',
  title: 'Interval polling',
  description:
    'Reads a value every `interval`, from a shell command (its output) or an HTTP endpoint (its body), parsed as JSON when it is JSON. `fireOn: CHANGE` (default) starts the flow when the value differs from the last one read (the first reading only sets it); `CONDITION` whenever `condition` holds; `ALWAYS` at every reading. The execution sees `trigger.value`, `trigger.previous` (null before the first reading) and `trigger.date`. The last value survives restarts.',
  properties: T.Object({
    interval: Duration('How often to read'),
    command: T.Optional(T.String({ minLength: 1, description: 'Shell command whose output is the value' })),
    http: T.Optional(
      T.Union(
        [
          T.String({ minLength: 1, description: 'URL to GET' }),
          T.Object(
            {
              url: T.String({ minLength: 1 }),
              method: T.Optional(T.String({ minLength: 1, default: 'GET' })),
              headers: T.Optional(T.Record(T.String(), T.String())),
              body: T.Optional(T.String()),
            },
            { additionalProperties: false },
          ),
        ],
        { description: 'HTTP endpoint whose response body is the value' },
      ),
    ),
    fireOn: T.Optional(
      T.Union([T.Literal('CHANGE'), T.Literal('CONDITION'), T.Literal('ALWAYS')], {
        description: 'When a reading starts the flow',
        default: 'CHANGE',
      }),
    ),
    condition: T.Optional(
      T.String({
        minLength: 1,
        description:
          'With fireOn: CONDITION, an expression over trigger.value and trigger.previous, e.g. {{ trigger.value > 70 }}',
      }),
    ),
    timeout: T.Optional(Duration('Longest a reading may take (default: the interval, at most 1 minute)')),
  }),
  variables: T.Object({
    value: T.Unknown({ description: 'The value read: JSON when it parses, the trimmed text otherwise' }),
    previous: T.Unknown({ description: 'The value read before, or null' }),
    date: T.String({ description: 'When it was read, ISO-8601' }),
  }),
  raw: ['condition'],
  examples: [
    {
      title: 'When the CPU gets hot',
      code: '- id: cpu-temperature\n  type: interval\n  interval: 30s\n  command: cat /sys/class/thermal/thermal_zone0/temp\n  fireOn: CONDITION\n  condition: "{{ trigger.value > 70000 and (trigger.previous ?? 0) <= 70000 }}"',
    },
  ],
  check(props: Props): PropertyProblem[] {
    const problems: PropertyProblem[] = [];
    if ((props.command === undefined) === (props.http === undefined))
      problems.push({ path: 'command', message: 'give either `command` or `http` (one of them)' });
    for (const name of ['interval', 'timeout'] as const) {
      const text = props[name];
      if (text === undefined || templated(text)) continue;
      const ms = parseShortOrIsoDuration(text);
      if (ms === undefined || ms <= 0)
        problems.push({ path: name, message: `'${text}' is not a positive duration (PT30S, 30s, 500ms)` });
    }
    if ((props.fireOn ?? 'CHANGE') === 'CONDITION' && props.condition === undefined)
      problems.push({ path: 'condition', message: 'fireOn: CONDITION needs a `condition`' });
    return problems;
  },
  start(props: Props, ctx) {
    return new Poller(props, ctx).start();
  },
});

/** One running `interval` trigger: a timer, one reading at a time, the last value remembered. */
class Poller {
  private timer: unknown;
  private readonly intervalMs: number;
  private readonly timeoutMs: number;
  private known: boolean;
  private previous: unknown;
  private failing = false;

  constructor(
    private readonly props: Props,
    private readonly ctx: TriggerContext,
  ) {
    this.intervalMs = positiveDuration(props.interval, 'interval');
    this.timeoutMs =
      props.timeout === undefined
        ? Math.min(this.intervalMs, MAX_DEFAULT_TIMEOUT_MS)
        : positiveDuration(props.timeout, 'timeout');
    this.known = ctx.state.keys().includes(VALUE);
    this.previous = this.known ? ctx.state.get(VALUE) : null;
  }

  start() {
    this.schedule(0);
    return {
      stop: () => {
        if (this.timer !== undefined) this.ctx.clock.clearTimeout(this.timer);
        this.timer = undefined;
      },
    };
  }

  private schedule(ms: number): void {
    if (this.ctx.signal.aborted) return;
    this.timer = this.ctx.clock.setTimeout(() => void this.poll(), ms);
  }

  private async poll(): Promise<void> {
    this.timer = undefined;
    const began = this.ctx.clock.now();
    try {
      const value = parseReading(await this.read());
      if (this.failing) this.ctx.logger.info('reading again');
      this.failing = false;
      await this.handle(value, new Date(began).toISOString());
    } catch (err) {
      if (this.ctx.signal.aborted) return;
      if (!this.failing) this.ctx.logger.warn(`reading failed: ${(err as Error).message}; retrying`);
      this.failing = true;
    } finally {
      this.schedule(Math.max(0, began + this.intervalMs - this.ctx.clock.now()));
    }
  }

  private read(): Promise<string> {
    const { command, http } = this.props;
    if (command !== undefined) return runCommand(command, this.timeoutMs, this.ctx.signal);
    if (http !== undefined) return fetchBody(http, this.timeoutMs, this.ctx.signal);
    throw new Error('neither `command` nor `http` is set');
  }

  private async handle(value: unknown, date: string): Promise<void> {
    const previous = this.previous;
    const changed = !this.known || JSON.stringify(value) !== JSON.stringify(previous);
    const variables = { value, previous, date };
    if (this.shouldFire(variables, changed)) await this.ctx.fire(variables);
    if (changed) this.ctx.state.set(VALUE, value);
    this.known = true;
    this.previous = value;
  }

  private shouldFire(variables: Record<string, unknown>, changed: boolean): boolean {
    switch (this.props.fireOn ?? 'CHANGE') {
      case 'ALWAYS':
        return true;
      case 'CHANGE':
        // The first reading ever is where the value starts from, not a change.
        return changed && this.known;
      case 'CONDITION':
        try {
          return isTruthy(this.ctx.evaluate(this.props.condition ?? 'false', { trigger: variables }));
        } catch (err) {
          this.ctx.logger.warn(`condition failed: ${(err as Error).message}`);
          return false;
        }
    }
  }
}

function positiveDuration(text: string, name: string): number {
  const ms = parseShortOrIsoDuration(text);
  if (ms === undefined || ms <= 0) throw new Error(`${name}: '${text}' is not a positive duration`);
  return ms;
}
