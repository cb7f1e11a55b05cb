/** Tern's expression renderer: Kestra's Pebble syntax on a private, adapted twig.js instance. */

/*
 * How twig.js is adapted (twig-env.ts, twig-syntax.ts, twig-values.ts), and why:
 *
 * - Instance: `twig.factory()` gives a private copy whose internals we patch; nothing else shares it.
 * - Tags: only if/elseif/else/endif, for/endfor and set remain. include, extends, import, embed and
 *   macro are removed (they read files). Autoescape is off: flows render shell, JSON and SQL.
 * - Tokenizer: the end of `{{ … }}` is found counting braces and skipping quotes, so map literals
 *   such as `{{ {'a': {'b': 1}} }}` work. `_context` and the `[a:b]` slice syntax are removed.
 * - Lookups: variables and `.key` / `['key']` read own properties of plain objects and in-range
 *   list items only, never prototypes, getters or methods; nothing found in data is ever called.
 *   twig's strict mode is off; instead a missing variable or key evaluates to a `Missing` value
 *   that carries its source path (`inputs.nmae`). `default`, `??` and `is (not) defined` absorb
 *   it, `and`/`or` short-circuit past it, every other operator, filter or function passes it on,
 *   and whatever is still `Missing` when an expression ends raises UNDEFINED_VARIABLE naming the
 *   variable and the expression (with a "did you mean" hint). This is how
 *   `{{ outputs.a.b.c | default(1) }}`, `missing ?? 'x'` and `x is defined and x > 1` work
 *   strictly, which twig's own strict mode cannot do.
 * - Names: filters, functions and tests come from our tables (filters.ts, functions.ts) with
 *   Pebble/Kestra names and semantics; twig's tables are never consulted. Unknown names, method
 *   calls (`'a'.toUpperCase()`) and stray `=` are rejected when the template compiles.
 * - Syntax added: Pebble's `contains` operator, named arguments (`date('yyyy', timeZone='UTC')`),
 *   and a leading unary minus. Operators follow Pebble (lists compare by content, `+` adds numbers
 *   or concatenates strings, `~` concatenates text); truthiness is Kestra's (see `isTruthy`).
 *   Loosened or fixed to match Pebble: every escaped quote in a string is unescaped, `|  f` and
 *   `not(x)` parse, empty expressions and dangling operators are errors, `loop.index` counts from 0.
 * - Kept from twig as it is: `{{- -}}` / `{%- -%}` whitespace control, the newline after a tag
 *   being dropped (Pebble does the same), `{# comments #}`, `{% verbatim %}` and `{% raw %}`.
 * - Output: values inside text render as Pebble does in Kestra: null as nothing, lists and maps as
 *   JSON. A string that is exactly one `{{ … }}` is evaluated instead of rendered, keeping its type.
 * - Render once: only the flow's own strings are templates. Context values (inputs, outputs,
 *   trigger data, secrets, KV values) are data and are never parsed.
 * - Budget (budget.ts, twig-budget.ts): each `render`/`evaluate` call runs under a RenderBudget,
 *   the one in progress kept in a module variable since rendering is synchronous. twig's one loop
 *   (`Twig.async.forEach`) counts a step per token and iteration and looks at the clock and the
 *   abort every 1,024 steps; a marker token appended to each `for` expression charges the loop's
 *   items before it starts; `range` charges its items; joined text, operator results and filter
 *   and function results are measured. The budget knows nothing of twig, so it carries over to
 *   another engine. Templates split in linear time (twig's own search is quadratic) and a tag is
 *   at most 8,192 characters, since twig compiles an expression in time that grows with its square.
 */
import { ExpressionError } from '../../protocol/errors.js';
import {
  compileRenderLimits,
  type RenderBounds,
  RenderBudget,
  type RenderLimits,
  underBudget,
} from './budget.js';
import { LruCache } from './cache.js';
import { messageOf } from './errors.js';
import type { ExpressionFunctions, Runtime } from './functions.js';
import { type Compiled, compileExpression, compileTemplate } from './template.js';
import type { Context } from './twig-types.js';
import { RUNTIME } from './twig-values.js';
import { isPlainObject, toText } from './values.js';

export {
  compileRenderLimits,
  DEFAULT_RENDER_LIMITS,
  type Deadline,
  type RenderBounds,
  type RenderLimits,
  RenderStopped,
} from './budget.js';
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

/** Copies lists and maps so that callers cannot modify the context through a typed result. */
function copyData(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(copyData);
  if (!isPlainObject(value)) return value;
  const out: Record<string, unknown> = {};
  for (const key of Object.keys(value)) define(out, key, copyData(value[key]));
  return out;
}

/** The variables and functions of one `render`/`evaluate` call. */
class Scope {
  private shared: Context | undefined;
  private readonly runtime: Runtime;

  constructor(
    private readonly vars: Record<string, unknown>,
    fns: ExpressionFunctions | undefined,
  ) {
    this.runtime = { fns, secrets: [] };
  }

  /** The context for `compiled`: shared, or a private copy when the template may `{% set %}`. */
  contextFor(compiled: Compiled): Context {
    if (compiled.writesContext) return this.fresh();
    this.shared ??= this.fresh();
    return this.shared;
  }

  /** Masks secret values read during this call out of an error message. */
  redact(error: ExpressionError): ExpressionError {
    let message = error.message;
    for (const secret of this.runtime.secrets)
      if (secret.length >= 3) message = message.replaceAll(secret, '******');
    return message === error.message ? error : new ExpressionError(error.expression, message, error.code);
  }

  private fresh(): Context {
    const context: Context = Object.assign(Object.create(null) as Context, this.vars);
    context[RUNTIME] = this.runtime;
    return context;
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
    if (typeof value === 'string' && !isTemplate(value)) return value;
    const scope = new Scope(vars, fns);
    return underBudget(new RenderBudget(this.limits, bounds), () => this.walk(value, scope));
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
    const scope = new Scope(vars, fns);
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
    const context = scope.contextFor(compiled);
    try {
      return typed && compiled.single ? copyData(compiled.evaluate(context)) : compiled.render(context);
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
