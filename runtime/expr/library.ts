/** The shapes of filters, functions and tests, and how a call's arguments reach them. */
import type { Frame } from './access.js';
import { fail } from './errors.js';
import type { ExpressionFunctions } from './functions.js';
import { isDouble, isNumber, toJsNumber } from './numbers.js';
import { describe, toText } from './values.js';

/** Per-render state the functions see. */
export interface Runtime {
  readonly fns: ExpressionFunctions | undefined;
  /** Secret values read during this render, masked out of error messages. */
  readonly secrets: string[];
  /** Renders a template text with the variables of `frame` (the `render()` function). */
  readonly render: (source: string, frame: Frame) => unknown;
}

/** What a filter, function or test body receives besides its arguments. */
export interface Call {
  readonly rt: Runtime;
  readonly frame: Frame;
}

/**
 * A filter: `input | name(a, b=…)`. `params` names its arguments in order; a call's named
 * arguments land at their index, so `args` lines up with `params`. An unknown name is an error
 * when the template compiles. `variadic` takes any number of positional arguments instead.
 */
export interface FilterDef {
  params: readonly string[];
  /** `frame` is the scope of the call, for the few filters that read it. */
  run: (input: unknown, args: unknown[], frame: Frame) => unknown;
  /** True for `default`: it receives a missing input instead of failing with it. */
  absorbsMissing?: boolean;
}

/** A function: `name(a, b=…)`, its arguments as for {@link FilterDef}. */
export interface FunctionDef {
  params: readonly string[];
  variadic?: boolean;
  run: (args: unknown[], call: Call) => unknown;
}

/** A test: `value is name(a)`. */
export interface TestDef {
  params: readonly string[];
  run: (value: unknown, args: unknown[]) => boolean;
}

/** Shorthand for a definition. */
export function filter(params: readonly string[], run: FilterDef['run']): FilterDef {
  return { params, run };
}

export function fn(params: readonly string[], run: FunctionDef['run']): FunctionDef {
  return { params, run };
}

/** A string filter: null stays null, other scalars are read as their text. */
export const onText = (
  params: readonly string[],
  fn: (text: string, args: unknown[]) => unknown,
): FilterDef =>
  filter(params, (input, args) => (input === null || input === undefined ? null : fn(toText(input), args)));

export function listInput(input: unknown, name: string): unknown[] {
  if (Array.isArray(input)) return input;
  return fail(`${name} needs a list, got ${describe(input)}`);
}

export function integerArg(value: unknown, name: string, fallback: number): number {
  if (value === undefined || value === null) return fallback;
  if (isNumber(value) && !isDouble(value)) return toJsNumber(value);
  return fail(`${name} needs an integer argument, got ${describe(value)}`);
}
