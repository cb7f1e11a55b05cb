/**
 * Simple expressions skip twig's promise chain (twig-env.ts `evaluateDirect`). They must give
 * exactly what twig's own evaluation gives: the same value, or an error with the same message.
 */
import { describe, expect, it } from 'vitest';
import { ExpressionError } from '../../protocol/errors.js';
import { settle } from './template.js';
import { evaluateDirect, isDirect, outermost, registerSource, T } from './twig-env.js';
import type { Context } from './twig-types.js';

const context: Context = {
  trigger: { payload: { id: 7, value: 51.5, name: 'pump-1', on: true, off: false, none: null } },
  inputs: { n: 5, s: 'abc', list: [1, 2, 3], map: { k: 'v' }, empty: '' },
  outputs: { 'a-b': { x: 1 } },
  flow: { id: 'f', namespace: 'plant' },
};

/** twig's own path, as every expression took before the direct one. */
function viaTwig(tokens: ReturnType<typeof T.expression.compile>['stack']): unknown {
  const state = new T.ParseState({ options: {} });
  return outermost(() => settle(T.expression.parseAsync.call(state, tokens, context)));
}

function settled(run: () => unknown): { value: unknown } | { error: string } {
  try {
    return { value: run() };
  } catch (error) {
    expect(error).toBeInstanceOf(ExpressionError);
    return { error: (error as Error).message };
  }
}

const DIRECT = [
  'trigger.payload.value > 50',
  'trigger.payload.value <= 50',
  'trigger.payload.id',
  'trigger.payload.name == "pump-1"',
  "trigger.payload.name != 'pump-2' and trigger.payload.on",
  'not trigger.payload.off or trigger.payload.missing',
  'trigger.payload.off and trigger.payload.missing',
  'trigger.payload.none ?? 3',
  'trigger.payload.missing ?? "fallback"',
  'inputs.n * 2 + 1 - 3 / 3',
  'inputs.n % 2 == 1',
  '-inputs.n + 1',
  "'a' ~ inputs.n ~ inputs.s",
  "'a' + 'b'",
  'inputs.s + 1',
  'inputs.list contains 2',
  'inputs.map contains "k"',
  "inputs.s contains 'b'",
  'inputs.list == inputs.list',
  'inputs.n in inputs.list',
  'inputs.n > "x"',
  'inputs.n / 0',
  'inputs.nmae',
  'inputs.s.length',
  'trigger.payload.none.x',
  'nothing',
  'true',
  'null',
  '1.5',
  '"text"',
  'flow.namespace',
];

describe('direct evaluation of simple expressions', () => {
  it.each(DIRECT)('%s: same result as twig', (expression) => {
    const tokens = T.expression.compile({ value: expression }).stack;
    registerSource(tokens, expression);
    expect(isDirect(tokens)).toBe(true);
    expect(settled(() => evaluateDirect(tokens, context))).toEqual(settled(() => viaTwig(tokens)));
  });

  it.each([
    "inputs.n > 1 ? 'big' : 'small'",
    "inputs.empty ?: 'x'",
    "outputs['a-b'].x",
    'inputs.list[0]',
    'inputs.s | upper',
    'length(inputs.list)',
    'inputs.n is defined',
    '(inputs.n + 1) * 2',
    '[1, 2]',
    "{'a': 1}",
  ])('%s: left to twig', (expression) => {
    expect(isDirect(T.expression.compile({ value: expression }).stack)).toBe(false);
  });
});
