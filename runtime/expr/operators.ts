/**
 * Pebble's operator semantics on twig's RPN stack. twig.js turns lists into their length before
 * most operators and compares with `==`; Pebble compares lists by content, adds numbers only,
 * concatenates with `~`, and has `contains`. Missing values propagate, except through `??`,
 * and `and`/`or` short-circuit around them, so `x is defined and x > 1` works.
 */
import { fail, Missing } from './errors.js';
import { range } from './functions.js';
import { deepEquals, describe, isPlainObject, isTruthy, toText } from './values.js';

/** twig's own implementation, for the rarely used operators we leave to it. */
export type BaseOperator = (operator: string, stack: unknown[]) => void;

/** Pebble's `contains`: element of a list (or all elements of a list), key of a map, substring. */
export function contains(container: unknown, item: unknown): boolean {
  if (container === null || container === undefined) return false;
  if (Array.isArray(container)) {
    const has = (x: unknown) => container.some((el) => deepEquals(el, x));
    return Array.isArray(item) ? item.every(has) : has(item);
  }
  if (isPlainObject(container)) return Object.hasOwn(container, toText(item));
  if (typeof container === 'string') return container.includes(toText(item));
  return fail(`contains needs a list, a map or a string on its left, got ${describe(container)}`);
}

function compare(a: unknown, b: unknown, op: string): boolean | null {
  if (a === null || a === undefined || b === null || b === undefined) return null;
  if ((typeof a === 'number' && typeof b === 'number') || (typeof a === 'string' && typeof b === 'string')) {
    return op === '<' ? a < b : op === '<=' ? a <= b : op === '>' ? a > b : a >= b;
  }
  return fail(`cannot compare ${describe(a)} with ${describe(b)} using '${op}'`);
}

function arithmetic(op: string, a: unknown, b: unknown): number {
  if (typeof a !== 'number' || typeof b !== 'number') {
    return fail(`'${op}' needs numbers, got ${describe(a)} and ${describe(b)}`);
  }
  switch (op) {
    case '+':
      return a + b;
    case '-':
      return a - b;
    case '*':
      return a * b;
    case '/':
      if (b === 0) return fail('division by zero');
      return a / b;
    case '//':
      if (b === 0) return fail('division by zero');
      return Math.floor(a / b);
    case '%':
      if (b === 0) return fail('division by zero');
      return a % b;
    case '**':
      return a ** b;
    default:
      return fail(`unknown operator '${op}'`);
  }
}

function add(a: unknown, b: unknown): unknown {
  if (typeof a === 'string' || typeof b === 'string') return toText(a) + toText(b);
  if (Array.isArray(a)) return Array.isArray(b) ? [...a, ...b] : [...a, b];
  return arithmetic('+', a, b);
}

/** Operators whose operands are on the stack in full before they run. */
function binary(op: string, a: unknown, b: unknown): unknown {
  switch (op) {
    case '==':
      return deepEquals(a, b);
    case '!=':
      return !deepEquals(a, b);
    case '<':
    case '<=':
    case '>':
    case '>=':
      return compare(a, b, op) ?? false;
    case '+':
      return add(a, b);
    case '-':
      if (Array.isArray(a))
        return a.filter((x) => !(Array.isArray(b) ? b : [b]).some((y) => deepEquals(x, y)));
      return arithmetic(op, a, b);
    case '*':
    case '/':
    case '//':
    case '%':
    case '**':
      return arithmetic(op, a, b);
    case '~':
      return toText(a) + toText(b);
    case 'contains':
      return contains(a, b);
    case 'in':
      return contains(b, a);
    case 'not in':
      return !contains(b, a);
    case '..':
      return range(a, b);
    case 'starts with':
      return typeof a === 'string' && a.startsWith(toText(b));
    case 'ends with':
      return typeof a === 'string' && a.endsWith(toText(b));
    default:
      return undefined;
  }
}

const UNSUPPORTED = new Set(['matches']);

/**
 * Applies `operator` to the top of `stack`, pushing the result. Falls back to twig for the
 * bitwise and spaceship operators, which have no Pebble counterpart to follow.
 */
export function applyOperator(operator: string, stack: unknown[], base: BaseOperator): void {
  if (UNSUPPORTED.has(operator)) fail(`operator '${operator}' is not supported`);
  if (operator === 'not') {
    const v = stack.pop();
    stack.push(v instanceof Missing ? v : !isTruthy(v));
    return;
  }
  if (operator === '?') {
    stack.push(ternary(stack));
    return;
  }
  const b = stack.length > 0 ? stack.pop() : OPERAND_MISSING;
  const unary = operator === '-' || operator === '+';
  if (!isOperand(b) || (!unary && !isOperand(stackTop(stack)))) fail(`'${operator}' is missing an operand`);
  // A leading `-x` reaches us as a binary minus with nothing on its left.
  if (!isOperand(stackTop(stack))) {
    stack.push(b instanceof Missing ? b : arithmetic(operator, 0, b));
    return;
  }
  const a = stack.pop();
  stack.push(combine(operator, a, b, base));
}

const stackTop = (stack: unknown[]): unknown =>
  stack.length === 0 ? OPERAND_MISSING : stack[stack.length - 1];
const OPERAND_MISSING = Symbol('no operand');

/** False for an empty stack slot and for twig's own markers (start of a list, map or argument list). */
function isOperand(value: unknown): boolean {
  if (value === OPERAND_MISSING) return false;
  if (typeof value !== 'object' || value === null) return true;
  const type = (value as { type?: unknown }).type;
  return !(typeof type === 'string' && type.startsWith('Twig.expression.type.'));
}

function ternary(stack: unknown[]): unknown {
  if (stack.length < 2) fail("'?' is missing an operand");
  let c = stack.pop();
  let b = stack.pop();
  let a = stack.pop();
  // `cond ? x` without an else branch leaves one operand short, as in twig.
  if (a === undefined) {
    a = b;
    b = c;
    c = undefined;
  }
  if (a instanceof Missing) return a;
  return isTruthy(a) ? b : (c ?? null);
}

function combine(op: string, a: unknown, b: unknown, base: BaseOperator): unknown {
  switch (op) {
    case '??':
      return a instanceof Missing || a === null || a === undefined ? b : a;
    case '?:':
      if (a instanceof Missing) return a;
      return isTruthy(a) ? a : b;
    case 'and':
      if (a instanceof Missing || !isTruthy(a)) return a instanceof Missing ? a : false;
      return b instanceof Missing ? b : isTruthy(b);
    case 'or':
      if (a instanceof Missing) return a;
      if (isTruthy(a)) return true;
      return b instanceof Missing ? b : isTruthy(b);
  }
  if (a instanceof Missing) return a;
  if (b instanceof Missing) return b;
  const result = binary(op, a, b);
  if (result !== undefined) return result;
  const scratch: unknown[] = [a, b];
  base(op, scratch);
  return scratch.pop();
}
