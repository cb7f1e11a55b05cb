/** `schedule`: starts the flow on a cron schedule, recovering the dates missed while the runtime was down. */
import { Type as T } from '@sinclair/typebox';
import { defineTrigger, type PropertyProblem, type TriggerContext } from '../../protocol/plugin.js';
import { type CronSchedule, compileCron } from './cron.js';

/** Most missed dates `recoverMissedSchedules: ALL` starts after a downtime; older ones are skipped. */
export const MAX_RECOVERED = 1000;

/** Longest single timer: far dates are reached in steps, so a changed clock is noticed. */
const MAX_TIMER_MS = 60 * 60 * 1000;

/** State key: the latest schedule date already handled (fired or deliberately skipped), epoch ms. */
const UNTIL = 'until';

const Recovery = T.Union([T.Literal('ALL'), T.Literal('LAST'), T.Literal('NONE')], {
  description:
    'After downtime: ALL starts one execution per missed date (at most 1000), LAST only the latest, NONE none. A timer woken late (a busy process) catches up the same way, the latest date always starting',
  default: 'ALL',
});

const properties = T.Object({
  cron: T.String({
    minLength: 1,
    description:
      'Cron expression: 5 fields, 6 with withSeconds, or @hourly, @daily, @weekly, @monthly, @yearly',
  }),
  withSeconds: T.Optional(
    T.Boolean({ description: 'The expression has a leading seconds field', default: false }),
  ),
  timezone: T.Optional(
    T.String({ description: "IANA time zone (e.g. Europe/Paris); default: the machine's" }),
  ),
  recoverMissedSchedules: T.Optional(Recovery),
  allowConcurrent: T.Optional(
    T.Boolean({
      description: 'Start even while an execution of the flow is running (default: skip that date)',
      default: false,
    }),
  ),
});

type Props = {
  cron: string;
  withSeconds?: boolean;
  timezone?: string;
  recoverMissedSchedules?: 'ALL' | 'LAST' | 'NONE';
  allowConcurrent?: boolean;
};

const templated = (value: unknown): boolean => typeof value === 'string' && value.includes('{{');

export default defineTrigger({
  type: 'schedule',
  aliases: ['io.kestra.plugin.core.trigger.Schedule', 'io.kestra.core.models.triggers.types.Schedule'],
  title: 'Schedule',
  description:
    'Starts the flow on a cron schedule. An execution sees `trigger.date` (the scheduled date), `trigger.next` and `trigger.previous`. A date that comes while an execution of the flow is still running is skipped unless `allowConcurrent` is true.',
  properties,
  variables: T.Object({
    date: T.String({ description: 'Scheduled date, ISO-8601 in the time zone' }),
    next: T.Union([T.String(), T.Null()], { description: 'The following scheduled date' }),
    previous: T.Union([T.String(), T.Null()], { description: 'The scheduled date before this one' }),
  }),
  examples: [
    {
      title: 'Every weekday at 07:30 in Paris',
      code: '- id: morning\n  type: schedule\n  cron: "30 7 * * 1-5"\n  timezone: Europe/Paris',
    },
  ],
  check(props: Props): PropertyProblem[] {
    if (templated(props.cron) || templated(props.timezone)) return [];
    try {
      compileCron(props.cron, props);
      return [];
    } catch (err) {
      const message = (err as Error).message;
      return [{ path: message.includes('time zone') ? 'timezone' : 'cron', message }];
    }
  },
  start(props: Props, ctx) {
    return new ScheduleRunner(compileCron(props.cron, props), props, ctx).start();
  },
});

interface Due {
  date: number;
  /** Missed during a downtime: waits for a running execution instead of being skipped. */
  recovered: boolean;
}

/** One running schedule: a timer to the next date, and a queue of dates to start in order. */
class ScheduleRunner {
  private timer: unknown;
  private readonly pending: Due[] = [];
  private draining = false;
  private until: number;
  /** The latest date queued: handled, waiting, or starting now (out of `pending` while its fire is awaited). */
  private queued = Number.NEGATIVE_INFINITY;

  constructor(
    private readonly cron: CronSchedule,
    private readonly props: Props,
    private readonly ctx: TriggerContext,
  ) {
    const stored = ctx.state.get(UNTIL);
    this.until = typeof stored === 'number' ? stored : Number.NaN;
  }

  start() {
    const now = this.ctx.clock.now();
    if (Number.isNaN(this.until)) this.mark(now);
    else this.recover(now);
    this.arm();
    return {
      stop: () => {
        if (this.timer !== undefined) this.ctx.clock.clearTimeout(this.timer);
        this.timer = undefined;
        this.pending.length = 0;
      },
    };
  }

  private recover(now: number): void {
    const policy = this.props.recoverMissedSchedules ?? 'ALL';
    const { dates, dropped } = this.cron.between(this.until, now, policy === 'ALL' ? MAX_RECOVERED : 1);
    if (dates.length === 0) return;
    if (policy === 'NONE') {
      this.ctx.logger.info(`skipping schedules missed while stopped (recoverMissedSchedules: NONE)`);
      this.mark(now);
      return;
    }
    if (policy === 'ALL' && dropped)
      this.ctx.logger.warn(
        `more than ${MAX_RECOVERED} schedules were missed; only the latest ${MAX_RECOVERED} start`,
      );
    this.ctx.logger.info(`recovering ${dates.length} missed schedule(s) (recoverMissedSchedules: ${policy})`);
    for (const date of dates) this.queue({ date, recovered: true });
    void this.drain();
  }

  /**
   * Sets a timer to the next date after what has been handled or queued —
   * not after now: a date that passed while this ran is caught up at once.
   */
  private arm(): void {
    if (this.ctx.signal.aborted) return;
    const now = this.ctx.clock.now();
    const next = this.cron.next(this.lastQueued());
    this.ctx.setNext(next);
    if (next === undefined) return;
    const wait = Math.min(Math.max(next - now, 0), MAX_TIMER_MS);
    this.timer = this.ctx.clock.setTimeout(() => this.wake(), wait);
  }

  private wake(): void {
    this.timer = undefined;
    if (this.ctx.signal.aborted) return;
    const now = this.ctx.clock.now();
    // Woken late (a busy event loop, a replica that just took the schedule over, a machine that slept):
    // the dates passed since the last one handled are caught up as after a downtime — every one under
    // ALL, the latest under LAST and NONE.
    const dates = this.passed(this.lastQueued(), now);
    for (const date of dates) this.queue({ date, recovered: false });
    if (dates.length > 0) void this.drain();
    this.arm();
  }

  /**
   * Dates in (`after`, `now`], oldest first: each of them under ALL (the latest
   * {@link MAX_RECOVERED}), the latest alone under LAST and NONE. Walks forward,
   * since a timer on time has one date to find.
   */
  private passed(after: number, now: number): number[] {
    if ((this.props.recoverMissedSchedules ?? 'ALL') !== 'ALL') return this.cron.between(after, now, 1).dates;
    const dates: number[] = [];
    for (let date = this.cron.next(after); date !== undefined && date <= now; date = this.cron.next(date)) {
      if (dates.length === MAX_RECOVERED) return this.cron.between(after, now, MAX_RECOVERED).dates;
      dates.push(date);
    }
    return dates;
  }

  private queue(due: Due): void {
    this.pending.push(due);
    this.queued = Math.max(this.queued, due.date);
  }

  private lastQueued(): number {
    return Math.max(this.until, this.queued);
  }

  private async drain(): Promise<void> {
    if (this.draining) return;
    this.draining = true;
    try {
      for (let due = this.pending.shift(); due; due = this.pending.shift()) {
        if (this.ctx.signal.aborted) return;
        if (!this.props.allowConcurrent && this.ctx.activeExecutions() > 0) {
          if (!due.recovered) {
            this.ctx.logger.info(
              `schedule ${this.cron.iso(due.date)} skipped: the previous execution is still running`,
            );
            this.mark(due.date);
            continue;
          }
          await this.ctx.flowIdle();
          if (this.ctx.signal.aborted) return;
        }
        await this.ctx.fire(this.variables(due.date));
        this.mark(due.date);
      }
    } finally {
      this.draining = false;
    }
  }

  private variables(date: number): Record<string, unknown> {
    const next = this.cron.next(date);
    const previous = this.cron.between(Number.NEGATIVE_INFINITY, date - 1, 1).dates[0];
    return {
      date: this.cron.iso(date),
      next: next === undefined ? null : this.cron.iso(next),
      previous: previous === undefined ? null : this.cron.iso(previous),
    };
  }

  private mark(date: number): void {
    if (date <= this.until) return;
    this.until = date;
    this.ctx.state.set(UNTIL, date);
  }
}
