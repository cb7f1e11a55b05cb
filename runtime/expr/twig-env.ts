/**
 * The private twig.js instance, adapted to Pebble as Kestra runs it (twig-syntax.ts,
 * twig-values.ts), and the entry point every expression evaluation goes through.
 */
import twig from 'twig';
import { EvalFailure, Missing, toExpressionError } from './errors.js';
import { adaptBudget } from './twig-budget.js';
import { adaptSyntax } from './twig-syntax.js';
import type { Context, Thenable, TwigInternals, TwigToken } from './twig-types.js';
import { adaptEvaluation, NamedArg } from './twig-values.js';

function createInstance(): TwigInternals {
  const fresh = (twig as unknown as { factory(): { extend(fn: (t: unknown) => void): void } }).factory();
  let internals: TwigInternals | undefined;
  fresh.extend((t) => {
    internals = t as TwigInternals;
  });
  if (!internals) throw new Error('twig.js did not expose its internals');
  return internals;
}

/** The adapted instance, configured once at module load and shared with no other twig user. */
export const T = createInstance();
adaptSyntax(T);
adaptEvaluation(T);
adaptBudget(T);

// The outermost evaluation of each expression decides about missing values and names the
// expression in errors; nested ones (arguments, keys, groups) pass values through untouched.
const sources = new WeakMap<TwigToken[], string>();
let depth = 0;
const baseParseAsync = T.expression.parseAsync;
T.expression.parseAsync = function (tokens, context, asParameters) {
  if (depth > 0) return baseParseAsync.call(this, tokens, context, asParameters);
  const located = (error: unknown) => toExpressionError(error, sources.get(tokens) ?? '');
  let result: Thenable;
  depth++;
  try {
    result = baseParseAsync.call(this, tokens, context, asParameters);
  } catch (error) {
    throw located(error);
  } finally {
    depth--;
  }
  return result.then(
    (value) => {
      if (value instanceof Missing) throw located(value);
      if (value instanceof NamedArg) throw located(new EvalFailure(`'${value.name}=' outside a call`));
      return value === undefined ? null : value;
    },
    (error) => {
      throw located(error);
    },
  );
};

/**
 * Token types whose handlers finish at once, without evaluating nested tokens: literals, variables,
 * `.key` and operators. An expression made only of these (`trigger.payload.value > 50`) is
 * evaluated by {@link evaluateDirect}, with the same handlers but without twig's promise chain,
 * which costs more than the expression itself. Ternaries and map keys (`?`, `:`) are left to twig.
 */
const DIRECT_TYPES = new Set([
  T.expression.type.variable,
  T.expression.type.key.period,
  T.expression.type.number,
  T.expression.type.string,
  T.expression.type.bool,
  T.expression.type._null,
  T.expression.type.operator.unary,
  T.expression.type.operator.binary,
]);
const TERNARY = new Set(['?', ':', '?:']);

/** True when {@link evaluateDirect} can evaluate `tokens`. */
export function isDirect(tokens: readonly TwigToken[]): boolean {
  const binary = T.expression.type.operator.binary;
  return tokens.every(
    (token) =>
      DIRECT_TYPES.has(token.type) &&
      token.params === undefined &&
      !(token.type === binary && (token.key !== undefined || TERNARY.has(String(token.value)))),
  );
}

const DIRECT_STATE = new T.ParseState({ options: {} });

/**
 * Evaluates an expression {@link isDirect} accepts as the outermost `parseAsync` above would: the
 * same handlers in the same order, errors named after the expression, a missing value raised.
 */
export function evaluateDirect(tokens: readonly TwigToken[], context: Context): unknown {
  const located = (error: unknown) => toExpressionError(error, sources.get(tokens as TwigToken[]) ?? '');
  const stack: unknown[] = [];
  const handlers = T.expression.handler;
  try {
    for (let i = 0; i < tokens.length; i++) {
      const token = tokens[i]!;
      if (token.cleanup) continue;
      handlers[token.type]!.parse!.call(DIRECT_STATE, token, stack, context);
    }
  } catch (error) {
    throw located(error);
  }
  const value = stack.pop();
  if (value instanceof Missing) throw located(value);
  return value === undefined ? null : value;
}

/**
 * Runs a render or evaluation as outermost, even when called from inside another one (a KV or
 * secret source that renders), so that its expressions are checked and named on their own.
 */
export function outermost<R>(run: () => R): R {
  const saved = depth;
  depth = 0;
  try {
    return run();
  } finally {
    depth = saved;
  }
}

/** Records the source text of an expression stack, for error messages. */
export function registerSource(stack: TwigToken[], source: string): void {
  sources.set(stack, source);
}
