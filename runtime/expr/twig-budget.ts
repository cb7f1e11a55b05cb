/** Where the adapted twig counts its work against the budget of the render in progress (budget.ts). */
import { activeBudget } from './budget.js';
import type { TwigInternals, TwigToken } from './twig-types.js';
import { isPlainObject } from './values.js';

/** Token type appended to each `for` loop's expression: charges the loop's items before it starts. */
const LOOP_SIZE = 'Tern.expression.type.loopSize';
const FOR_TAG = 'Twig.logic.type.for';

function sizeOf(value: unknown): number {
  if (Array.isArray(value)) return value.length;
  return isPlainObject(value) ? Object.keys(value).length : 0;
}

/** Makes a fresh twig instance count steps and loop items, and measure the texts and lists it builds. */
export function adaptBudget(T: TwigInternals): void {
  // Every token evaluated and every loop iteration goes through this one loop: a step each.
  const baseForEach = T.async.forEach;
  T.async.forEach = (items, each) => {
    const budget = activeBudget();
    if (!budget) return baseForEach(items, each);
    return baseForEach(items, (item, index) => {
      budget.step();
      return each(item, index);
    });
  };

  // A loop's items are charged when it starts, so that a nested loop stops before doing the work.
  T.expression.handler[LOOP_SIZE] = {
    type: LOOP_SIZE,
    regex: /^(?!)/,
    next: [],
    parse(_token, stack) {
      activeBudget()?.iterate(sizeOf(stack[stack.length - 1]));
    },
  };
  const forTag = T.logic.handler[FOR_TAG]!;
  const baseCompile = forTag.compile!;
  forTag.compile = function (token) {
    const compiled = baseCompile.call(this, token);
    (compiled.expression as TwigToken[]).push({ type: LOOP_SIZE });
    return compiled;
  };

  // `~` and `+` build texts and lists.
  const baseOperator = T.expression.operator.parse;
  T.expression.operator.parse = (operator, stack) => {
    baseOperator(operator, stack);
    activeBudget()?.made(stack[stack.length - 1]);
  };

  // The text of a template and of each loop body is joined here.
  const baseOutput = T.output;
  T.output = function (output) {
    const text = baseOutput.call(this, output);
    activeBudget()?.made(text);
    return text;
  };
}
