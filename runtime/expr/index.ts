/**
 * Tern's expression renderer: Kestra's Pebble, our own engine. A template is tokenized (lexer.ts),
 * parsed by precedence climbing over Pebble's operator table (parser.ts) and compiled once into
 * closures (template.ts, compile-expr.ts); see ARCHITECTURE.md in this folder.
 */

import { ExpressionError } from '../../protocol/errors.js';
import { type Frame, rootFrame } from './access.js';
import {
  compileRenderLimits,
  enterBudget,
  type RenderBounds,
  RenderBudget,
  type RenderLimits,
  underBudget,
} from './budget.js';
import { LruCache } from './cache.js';
import { RUNTIME } from './compile-expr.js';
import { messageOf } from './errors.js';
import type { ExpressionFunctions } from './functions.js';
import type { Runtime } from './library.js';
import { isBigInt, unmark } from './numbers.js';
import { type Compiled, compileExpression, compileTemplate } from './template.js';
import { isPlainObject, toText } from './values.js';

export {
  compileRenderLimits,
  DEFAULT_RENDER_LIMITS,
  type Deadline,
  type RenderBounds,
  type RenderLimits,
  RenderStopped,
} from './budget.js';
export { ITERATION_PATH, TASK_LINEAGE, type TaskLineage } from './context-functions.js';
export type { ExpressionFunctions } from './functions.js';
export { isTruthy } from './values.js';

const DEFAULT_CACHE_SIZE = 10_000;

/**
 * True if the string contains `{{` or `{%`.
 *
 * @example isTemplate('Hello {{ inputs.name }}') // true
 */
export function isTemplate(value: string): boolean {
  return value.includes('{{') || value.includes('{%');
}

/** Sets `key` as an own data property, so that a `__proto__` key stays data. */
function define(target: Record<string, unknown>, key: string, value: unknown): void {
  if (key === '__proto__')
    Object.defineProperty(target, key, { value, enumerable: true, writable: true, configurable: true });
  else target[key] = value;
}

/**
 * Copies lists and maps so that callers cannot modify the context through a typed result, and
 * hands numbers out as JS numbers: `3.0` as 3, a long beyond 2^53 as its exact decimal text.
 */
function copyData(value: unknown): unknown {
  if (typeof value !== 'object' || value === null)
    return typeof value === 'bigint' ? value.toString() : value;
  if (Array.isArray(value)) return value.map(copyData);
  if (!isPlainObject(value)) {
    const number = unmark(value);
    return isBigInt(number) ? number.toString() : number;
  }
  const out: Record<string, unknown> = {};
  for (const key of Object.keys(value)) define(out, key, copyData(value[key]));
  return out;
}

/**
 * The variables and functions of one `render`/`evaluate` call, and the runtime its functions see:
 * one object per call, and a list of secrets only once one is read.
 */
class Scope implements Runtime {
  private shared: Frame | undefined;
  private readSecrets: string[] | undefined;

  constructor(
    private readonly vars: Record<string, unknown>,
    readonly fns: ExpressionFunctions | undefined,
    readonly render: Runtime['render'],
  ) {}

  get secrets(): string[] {
    this.readSecrets ??= [];
    return this.readSecrets;
  }

  /** The frame for `compiled`: shared, or a private copy when the template may `{% set %}`. */
  frameFor(compiled: Compiled): Frame {
    if (compiled.writesContext) return this.fresh();
    this.shared ??= this.fresh();
    return this.shared;
  }

  /** Masks secret values read during this call out of an error message. */
  redact(error: ExpressionError): ExpressionError {
    if (this.readSecrets === undefined) return error;
    let message = error.message;
    for (const secret of this.readSecrets)
      if (secret.length >= 3) message = message.replaceAll(secret, '******');
    return message === error.message ? error : new ExpressionError(error.expression, message, error.code);
  }

  private fresh(): Frame {
    return rootFrame(this.vars, this, RUNTIME);
  }
}

/** How a {@link Renderer} is set up. */
export interface RendererOptions {
  /** Compiled templates kept, least recently used first out. */
  cacheSize?: number;
  /** The work budget of each render call; unset limits keep their defaults. */
  limits?: Partial<RenderLimits>;
}

/**
 * Renders flow properties and evaluates conditions. Compiled templates are cached by their
 * text (least recently used first out). Each call runs under a work budget (see budget.ts): a
 * template that loops too long, builds too much or runs past `bounds` stops with an
 * `ExpressionError` whose message starts with "render stopped:".
 *
 * @example
 * const r = new Renderer();
 * r.render('Hello {{ inputs.name }}', { inputs: { name: 'Ada' } }); // 'Hello Ada'
 * r.render('{{ 1 + 2 }}', {}); // 3
 */
export class Renderer {
  private readonly templates: LruCache<string, Compiled | ExpressionError>;
  private readonly expressions: LruCache<string, Compiled | ExpressionError>;
  /** The limits each call runs under. */
  readonly limits: Readonly<RenderLimits>;

  constructor(options: RendererOptions = {}) {
    const size = options.cacheSize ?? DEFAULT_CACHE_SIZE;
    this.templates = new LruCache(size);
    this.expressions = new LruCache(Math.max(1, Math.floor(size / 10)));
    this.limits = Object.freeze(compileRenderLimits(options.limits));
  }

  /**
   * Deep-renders a value: strings containing `{{` or `{%` are rendered; arrays and plain objects
   * are walked (object keys are rendered too when they contain `{{`); other values are returned
   * as they are. A string that is exactly one `{{ expr }}` (surrounding whitespace allowed)
   * returns the expression's typed value instead of a string. The whole call is one render for
   * its budget; `bounds` can stop it sooner (a task's deadline, its abort).
   */
  render(
    value: unknown,
    vars: Record<string, unknown>,
    fns?: ExpressionFunctions,
    bounds?: RenderBounds,
  ): unknown {
    const isString = typeof value === 'string';
    if (isString && !isTemplate(value)) return value;
    const scope = new Scope(vars, fns, this.renderInFrame);
    const outer = enterBudget(new RenderBudget(this.limits, bounds));
    try {
      return isString ? this.renderString(value, scope, true) : this.walk(value, scope);
    } finally {
      enterBudget(outer);
    }
  }

  /**
   * Renders a template to text, as Kestra does everywhere: a single `{{ … }}` is printed, not
   * returned typed (`{{ 1.5 + 1.5 }}` is `'3.0'`). Runs under a budget as {@link render} does.
   *
   * @example new Renderer().renderText('{{ [1, 2.0] }}', {}) // '[1,2.0]'
   */
  renderText(
    template: string,
    vars: Record<string, unknown>,
    fns?: ExpressionFunctions,
    bounds?: RenderBounds,
  ): string {
    if (!isTemplate(template)) return template;
    const scope = new Scope(vars, fns, this.renderInFrame);
    return underBudget(new RenderBudget(this.limits, bounds), () =>
      toText(this.renderString(template, scope, false)),
    );
  }

  /**
   * Evaluates a bare expression (no braces), e.g. `inputs.x > 3`, returning its typed value. Also
   * accepts a string that is a single `{{ … }}`. Runs under a budget as {@link render} does.
   */
  evaluate(
    expression: string,
    vars: Record<string, unknown>,
    fns?: ExpressionFunctions,
    bounds?: RenderBounds,
  ): unknown {
    const scope = new Scope(vars, fns, this.renderInFrame);
    return underBudget(new RenderBudget(this.limits, bounds), () => {
      if (isTemplate(expression)) return this.renderString(expression, scope, true);
      const compiled = this.compile(this.expressions, expression, compileExpression);
      return this.run(compiled, scope, true);
    });
  }

  /** Parses without rendering; returns an error message for a syntax error, else undefined. */
  check(template: string): string | undefined {
    if (!isTemplate(template)) return undefined;
    try {
      this.compile(this.templates, template, compileTemplate);
      return undefined;
    } catch (error) {
      return messageOf(error);
    }
  }

  /** The `render()` function: a text rendered as a template with the caller's variables. */
  private readonly renderInFrame = (source: string, frame: Frame): unknown => {
    if (!isTemplate(source)) return source;
    const compiled = this.compile(this.templates, source, compileTemplate);
    return compiled.single ? compiled.evaluate(frame) : compiled.render(frame);
  };

  private walk(value: unknown, scope: Scope): unknown {
    if (typeof value === 'string') return isTemplate(value) ? this.renderString(value, scope, true) : value;
    if (Array.isArray(value)) return value.map((item) => this.walk(item, scope));
    if (!isPlainObject(value)) return value;
    const out: Record<string, unknown> = {};
    for (const key of Object.keys(value)) {
      const renderedKey = isTemplate(key) ? toText(this.renderString(key, scope, false)) : key;
      define(out, renderedKey, this.walk(value[key], scope));
    }
    return out;
  }

  private renderString(source: string, scope: Scope, typed: boolean): unknown {
    return this.run(this.compile(this.templates, source, compileTemplate), scope, typed);
  }

  private run(compiled: Compiled, scope: Scope, typed: boolean): unknown {
    const frame = scope.frameFor(compiled);
    try {
      return typed && compiled.single ? copyData(compiled.evaluate(frame)) : compiled.render(frame);
    } catch (error) {
      throw error instanceof ExpressionError ? scope.redact(error) : error;
    }
  }

  private compile(
    cache: LruCache<string, Compiled | ExpressionError>,
    source: string,
    compile: (source: string) => Compiled,
  ): Compiled {
    let entry = cache.get(source);
    if (entry === undefined) {
      try {
        entry = compile(source);
      } catch (error) {
        if (!(error instanceof ExpressionError)) throw error;
        entry = error;
      }
      cache.set(source, entry);
    }
    if (entry instanceof ExpressionError) throw entry;
    return entry;
  }
}
