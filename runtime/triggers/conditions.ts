/** Trigger conditions: expressions over `trigger.*` that must all hold before an execution is created. */
import { type Condition, EXPRESSION_CONDITION_TYPES } from '../../protocol/flow.js';
import { type ExpressionFunctions, isTruthy, type Renderer } from '../expr/index.js';

const EXPRESSION_TYPES: ReadonlySet<string> = new Set(EXPRESSION_CONDITION_TYPES);

/**
 * The expression of a condition, whichever form it was written in; undefined
 * for a condition of another type, which the trigger itself interprets (the
 * `flow` trigger's ExecutionFlow, ExecutionStatus …).
 */
export function conditionExpression(condition: Condition): string | undefined {
  if (typeof condition === 'string') return condition;
  return EXPRESSION_TYPES.has(condition.type) ? condition.expression : undefined;
}

/**
 * The first condition that does not hold, or undefined when all hold. An
 * expression that fails to evaluate throws (the caller logs it and fires nothing).
 *
 * @example firstFailing(['{{ trigger.payload.celsius > 8 }}'], renderer, { trigger }) // undefined when hot
 */
export function firstFailing(
  conditions: readonly Condition[] | undefined,
  renderer: Renderer,
  variables: Record<string, unknown>,
  functions?: ExpressionFunctions,
): string | undefined {
  for (const condition of conditions ?? []) {
    const expression = conditionExpression(condition);
    if (expression === undefined) continue;
    if (!isTruthy(renderer.evaluate(expression, variables, functions))) return expression;
  }
  return undefined;
}
