/** The work budget of one render: loop iterations, sizes and time, and a stop from outside (a timeout, a kill). */
import { EvalFailure } from './errors.js';

/** How much one render may do. Large enough for any real flow; a runaway template stops in well under a second. */
export interface RenderLimits {
  /** Loop iterations, all loops of the render together (a loop counts its items when it starts), and items made by ranges. */
  maxIterations: number;
  /** Characters of any text the render makes: its result, a loop's text, a string built by `~` or a filter. */
  maxTextLength: number;
  /** Items of any list the render builds (`+`, filters). */
  maxListLength: number;
  /** Wall-clock time of the render, in milliseconds: rendering is synchronous and holds the event loop meanwhile. */
  maxMillis: number;
}

/** The limits every renderer starts from. */
export const DEFAULT_RENDER_LIMITS: Readonly<RenderLimits> = Object.freeze({
  maxIterations: 1_000_000,
  maxTextLength: 10 * 1024 * 1024,
  maxListLength: 1_000_000,
  maxMillis: 500,
});

/**
 * The limits with defaults filled in; throws an Error naming a limit that is not a positive
 * whole number.
 *
 * @example compileRenderLimits({ maxMillis: 2000 }) // the defaults, with 2 s per render
 */
export function compileRenderLimits(input: Partial<RenderLimits> = {}): RenderLimits {
  const limits = { ...DEFAULT_RENDER_LIMITS };
  for (const key of Object.keys(limits) as (keyof RenderLimits)[]) {
    const value = input[key];
    if (value === undefined) continue;
    if (!Number.isSafeInteger(value) || value <= 0)
      throw new Error(`renderLimits.${key}: ${value} is not a positive whole number`);
    limits[key] = value;
  }
  return limits;
}

/** A time after which work stops, and what it is, for the message: `task timed out after PT2S`. */
export interface Deadline {
  /** Epoch milliseconds. */
  at: number;
  reason: string;
}

/** What can stop a render from outside: the deadline of the task it renders for, and its abort. */
export interface RenderBounds {
  deadline?: Deadline;
  /** An AbortSignal, or anything that reads like one. */
  signal?: { readonly aborted: boolean; readonly reason?: unknown };
}

/** Thrown when a render goes over its budget; its message starts with "render stopped:". */
export class RenderStopped extends EvalFailure {
  override name = 'RenderStopped';
  constructor(why: string) {
    super(`render stopped: ${why}`);
  }
}

/** Steps between two looks at the clock and the abort: a look costs about as much as a hundred steps. */
const CHECK_EVERY = 1024;

/** A render without a deadline or an abort: one object for all of them. */
const NO_BOUNDS: RenderBounds = Object.freeze({});

/**
 * Counts one render's work and stops it, by throwing {@link RenderStopped}, when it goes over a
 * limit, past its deadline, or is aborted. The renderer calls it from its loop machinery; nothing
 * in it knows about the parser.
 */
export class RenderBudget {
  private iterations = 0;
  private steps = 0;
  private deadline = Number.POSITIVE_INFINITY;
  private deadlineReason = '';

  constructor(
    private readonly limits: RenderLimits,
    private readonly bounds: RenderBounds = NO_BOUNDS,
  ) {}

  /** One unit of evaluation work (a token, a loop iteration); looks at the clock every {@link CHECK_EVERY}. */
  step(): void {
    if (this.steps === 0) this.start();
    else if (this.steps % CHECK_EVERY === 0) this.check();
    this.steps++;
  }

  /** A loop of `count` items starts, or a range makes `count` items. */
  iterate(count: number): void {
    this.iterations += count;
    if (this.iterations > this.limits.maxIterations)
      throw new RenderStopped(`more than ${this.limits.maxIterations.toLocaleString('en')} loop iterations`);
    this.step();
  }

  /** A value the render has made: a text or a list over its limit stops it. */
  made(value: unknown): void {
    if (typeof value === 'string') {
      if (value.length > this.limits.maxTextLength)
        throw new RenderStopped(
          `a text of ${value.length.toLocaleString('en')} characters is longer than ${this.limits.maxTextLength.toLocaleString('en')}`,
        );
    } else if (Array.isArray(value) && value.length > this.limits.maxListLength) {
      throw new RenderStopped(
        `a list of ${value.length.toLocaleString('en')} items is longer than ${this.limits.maxListLength.toLocaleString('en')}`,
      );
    }
  }

  /** Stops the render if it has been aborted or is past its deadline. */
  check(): void {
    const signal = this.bounds.signal;
    if (signal?.aborted) throw new RenderStopped(reasonText(signal.reason));
    if (Date.now() > this.deadline) throw new RenderStopped(this.deadlineReason);
  }

  /** The clock starts with the first step: the renders that take no steps (plain `{{ a.b }}`) never read it. */
  private start(): void {
    const own = Date.now() + this.limits.maxMillis;
    const { deadline } = this.bounds;
    if (deadline !== undefined && deadline.at < own) {
      this.deadline = deadline.at;
      this.deadlineReason = deadline.reason;
    } else {
      this.deadline = own;
      this.deadlineReason = `it took longer than ${this.limits.maxMillis} ms`;
    }
    this.check();
  }
}

function reasonText(reason: unknown): string {
  if (reason instanceof Error) return reason.message;
  return reason === undefined ? 'aborted' : String(reason);
}

let active: RenderBudget | undefined;

/** The budget of the render in progress, if any: rendering is synchronous, so there is one at a time. */
export function activeBudget(): RenderBudget | undefined {
  return active;
}

/** Runs `render` under `budget`; a render nested in it (a secret source that renders) has its own. */
export function underBudget<R>(budget: RenderBudget, render: () => R): R {
  const outer = enterBudget(budget);
  try {
    return render();
  } finally {
    enterBudget(outer);
  }
}

/**
 * Makes `budget` the active one and returns the one it replaces, which the caller puts back in a
 * `finally`: {@link underBudget} without a closure, for the renderer's hot path.
 */
export function enterBudget(budget: RenderBudget | undefined): RenderBudget | undefined {
  const outer = active;
  active = budget;
  return outer;
}
