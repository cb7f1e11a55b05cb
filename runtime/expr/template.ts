/** Compiling templates and bare expressions with the adapted twig, rejecting unknown names up front. */
import { distance } from 'fastest-levenshtein';
import { ExpressionError } from '../../protocol/errors.js';
import { messageOf, shorten, toExpressionError, tolerance } from './errors.js';
import { FILTERS } from './filters.js';
import { FUNCTIONS, TEST_NAMES } from './functions.js';
import { evaluateDirect, isDirect, outermost, registerSource, T } from './twig-env.js';
import { NAMED_ARG, SET_TAG } from './twig-syntax.js';
import type { Context, Thenable, TwigTemplate, TwigToken } from './twig-types.js';
import { toText } from './values.js';

const OPTIONS = { strictVariables: false, autoescape: false, allowInlineIncludes: false, rethrow: true };
const OUTPUT_TYPES = new Set([
  'output',
  'output_whitespace_pre',
  'output_whitespace_post',
  'output_whitespace_both',
]);
const CALL_TYPES = new Set([T.expression.type.filter, T.expression.type._function, T.expression.type.test]);
const KEY_TYPES = new Set([T.expression.type.key.period, T.expression.type.key.brackets]);
/** Bare expressions have no template; evaluation only needs the options twig reads. */
const NO_TEMPLATE = { options: OPTIONS };

/** A parsed template (or bare expression), ready to render many times. */
export class Compiled {
  /** Set when every expression is simple enough for `evaluateDirect`: text parts and expressions. */
  private readonly direct: (string | TwigToken[])[] | undefined;

  constructor(
    readonly source: string,
    private readonly template: TwigTemplate | undefined,
    /** The expression when the source is exactly one `{{ … }}` (or a bare expression): it has a typed value. */
    readonly single: TwigToken[] | undefined,
    /** True when `{% set %}` can write into the context, which must then not be shared. */
    readonly writesContext: boolean,
  ) {
    this.direct = single ? (isDirect(single) ? [single] : undefined) : directParts(template);
  }

  /** Renders to text. Throws `ExpressionError`. */
  render(context: Context): string {
    if (!this.template) return toText(this.evaluate(context));
    if (this.direct) {
      let text = '';
      try {
        for (const part of this.direct)
          text += typeof part === 'string' ? part : toText(evaluateDirect(part, context));
      } catch (error) {
        throw toExpressionError(error, this.source);
      }
      return text;
    }
    try {
      const template = this.template;
      return outermost(() => template.render(context));
    } catch (error) {
      throw toExpressionError(error, this.source);
    }
  }

  /** Evaluates the single expression to its typed value. Throws `ExpressionError`. */
  evaluate(context: Context): unknown {
    if (!this.single) throw new Error('not a single expression');
    if (this.direct) {
      try {
        return evaluateDirect(this.single, context);
      } catch (error) {
        throw toExpressionError(error, this.source);
      }
    }
    const state = new T.ParseState(this.template ?? NO_TEMPLATE);
    state.context = context;
    try {
      const single = this.single;
      return outermost(() => settle(T.expression.parseAsync.call(state, single, context)));
    } catch (error) {
      throw toExpressionError(error, this.source);
    }
  }
}

/** A template of text and simple `{{ … }}` only, as its parts in order; undefined for anything else. */
function directParts(template: TwigTemplate | undefined): (string | TwigToken[])[] | undefined {
  if (!template) return undefined;
  const parts: (string | TwigToken[])[] = [];
  for (const token of template.tokens) {
    if (token.type === T.token.type.raw) parts.push(String(token.value));
    else if (OUTPUT_TYPES.has(token.type) && token.stack && isDirect(token.stack)) parts.push(token.stack);
    else if (token.type !== T.token.type.comment) return undefined;
  }
  return parts;
}

/** twig's promises settle synchronously when nothing asynchronous is involved, which is always here. */
export function settle(thenable: Thenable): unknown {
  let outcome: { value: unknown } | { error: unknown } | undefined;
  thenable.then(
    (value) => {
      outcome = { value };
    },
    (error) => {
      outcome = { error };
    },
  );
  if (!outcome) throw new Error('expression evaluation did not complete synchronously');
  if ('error' in outcome) throw outcome.error;
  return outcome.value;
}

function syntaxError(source: string, error: unknown): ExpressionError {
  return new ExpressionError(source, `invalid expression '${shorten(source)}': ${messageOf(error)}`);
}

/** Compiles a template (text with `{{ }}` / `{% %}`). Throws `ExpressionError` for bad syntax or names. */
export function compileTemplate(source: string): Compiled {
  let template: TwigTemplate;
  try {
    template = new T.Template({ data: source, options: OPTIONS });
  } catch (error) {
    throw syntaxError(source, error);
  }
  const info = { writes: false };
  walkTemplate(template.tokens, source, info);
  return new Compiled(source, template, singleExpression(template.tokens), info.writes);
}

/** Compiles a bare expression such as `inputs.x > 3`. Throws `ExpressionError`. */
export function compileExpression(expression: string): Compiled {
  if (expression.trim() === '') throw new ExpressionError(expression, 'empty expression');
  let stack: TwigToken[];
  try {
    stack = T.expression.compile({ value: expression }).stack;
  } catch (error) {
    throw syntaxError(expression, error);
  }
  registerSource(stack, expression);
  checkStack(stack, expression, false);
  return new Compiled(expression, undefined, stack, false);
}

/** The one output token's expression when everything else is whitespace. */
function singleExpression(tokens: TwigToken[]): TwigToken[] | undefined {
  let found: TwigToken | undefined;
  for (const token of tokens) {
    if (token.type === 'raw' && String(token.value).trim() === '') continue;
    if (found || !OUTPUT_TYPES.has(token.type)) return undefined;
    found = token;
  }
  return found?.stack;
}

function walkTemplate(tokens: TwigToken[], source: string, info: { writes: boolean }): void {
  for (const token of tokens) {
    const text = token.position ? source.slice(token.position.start, token.position.end) : source;
    if (OUTPUT_TYPES.has(token.type) && token.stack) {
      registerSource(token.stack, text);
      checkStack(token.stack, text, false);
    } else if (token.type === 'logic' && token.token) {
      const logic = token.token;
      if (logic.type === SET_TAG) info.writes = true;
      for (const stack of [logic.stack, logic.expression, logic.conditional]) {
        if (!Array.isArray(stack)) continue;
        registerSource(stack, text);
        checkStack(stack, text, false);
      }
      if (logic.output) walkTemplate(logic.output, source, info);
    }
  }
}

function unknownName(kind: string, name: string, known: Iterable<string>, text: string): ExpressionError {
  let best: string | undefined;
  let bestDistance = tolerance(name) + 1;
  for (const candidate of known) {
    const d = distance(name, candidate);
    if (d < bestDistance) [best, bestDistance] = [candidate, d];
  }
  const hint = best ? ` (did you mean '${best}'?)` : '';
  return new ExpressionError(text, `unknown ${kind} '${name}' in expression '${shorten(text)}'${hint}`);
}

/** Rejects unknown filters, functions and tests, method calls, and stray named arguments. */
function checkStack(stack: TwigToken[], text: string, inCall: boolean): void {
  const type = T.expression.type;
  for (const [i, token] of stack.entries()) {
    if (token.type === type.filter && !FILTERS.has(String(token.value))) {
      throw unknownName('filter', String(token.value), FILTERS.keys(), text);
    }
    if (token.type === type._function && !FUNCTIONS.has(String(token.fn))) {
      throw unknownName('function', String(token.fn), FUNCTIONS.keys(), text);
    }
    if (token.type === type.test && !TEST_NAMES.has(String(token.filter))) {
      throw unknownName('test', String(token.filter), TEST_NAMES, text);
    }
    // `value.name(…)`: twig attaches the arguments to the key, or leaves them as a group right after it.
    const called = KEY_TYPES.has(token.type) && token.params ? token : undefined;
    const callee =
      token.type === type.parameter.end && token.expression === true ? (stack[i - 1] ?? token) : called;
    if (callee) {
      const what = callee.key === undefined ? '…' : `.${String(callee.key)}`;
      throw new ExpressionError(
        text,
        `methods cannot be called ('${what}(…)') in expression '${shorten(text)}'; use filters`,
      );
    }
    if (token.type === NAMED_ARG && !inCall) {
      throw new ExpressionError(text, `unexpected '=' in expression '${shorten(text)}'; use '==' to compare`);
    }
    if (token.params) checkStack(token.params, text, CALL_TYPES.has(token.type));
    if (token.stack) checkStack(token.stack, text, false);
  }
}
