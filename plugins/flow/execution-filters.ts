/**
 * Kestra's execution filters: `preconditions.where` and the ExecutionFilters
 * condition — tests on an ended execution's flow id, namespace, state,
 * labels or an expression, joined by AND or OR.
 */
import { Type as T } from '@sinclair/typebox';
import type { Execution } from '../../protocol/execution.js';

const FIELDS = ['FLOW_ID', 'NAMESPACE', 'STATE', 'EXPRESSION', 'LABEL'] as const;
const TYPES = [
  'EQUAL_TO',
  'NOT_EQUAL_TO',
  'IN',
  'NOT_IN',
  'IS_TRUE',
  'IS_FALSE',
  'IS_NULL',
  'IS_NOT_NULL',
  'STARTS_WITH',
  'ENDS_WITH',
  'REGEX',
  'CONTAINS',
] as const;

const FilterConditionSchema = T.Object(
  {
    field: T.Union(
      FIELDS.map((f) => T.Literal(f)),
      { description: 'What is tested; LABEL reads `key:value` (or `key` alone) from `value`' },
    ),
    type: T.Union(TYPES.map((t) => T.Literal(t))),
    value: T.Optional(T.String({ description: 'For every type but IN and NOT_IN' })),
    values: T.Optional(T.Array(T.String(), { description: 'For IN and NOT_IN' })),
  },
  { additionalProperties: false },
);

/** One named filter: its conditions, all (AND, default) or any (OR) of which must hold. */
export const ExecutionFilterSchema = T.Object(
  {
    id: T.String({ minLength: 1 }),
    operand: T.Optional(T.Union([T.Literal('AND'), T.Literal('OR')], { default: 'AND' })),
    // Kestra names the list `filters` under `preconditions.where`, `conditions` in ExecutionFilters.
    filters: T.Optional(T.Array(FilterConditionSchema, { minItems: 1 })),
    conditions: T.Optional(T.Array(FilterConditionSchema, { minItems: 1 })),
  },
  { additionalProperties: false },
);

type FilterCondition = {
  field: (typeof FIELDS)[number];
  type: (typeof TYPES)[number];
  value?: string;
  values?: string[];
};

export interface ExecutionFilter {
  id: string;
  operand?: 'AND' | 'OR';
  filters?: FilterCondition[];
  conditions?: FilterCondition[];
}

/** Renders an EXPRESSION filter's value with the ended execution in scope. */
export type EvaluateFor = (expression: string, e: Execution) => unknown;

const truthy = (value: string | null): boolean =>
  value !== null && value.trim() !== '' && value.trim().toLowerCase() !== 'false';

function fieldValue(e: Execution, c: FilterCondition, evaluate: EvaluateFor): string | null {
  switch (c.field) {
    case 'FLOW_ID':
      return e.flowId;
    case 'NAMESPACE':
      return e.namespace;
    case 'STATE':
      return e.state;
    case 'EXPRESSION': {
      const value = evaluate(c.value ?? '', e);
      return value === undefined || value === null ? null : String(value);
    }
    case 'LABEL': {
      const key = (c.value ?? '').split(':')[0] ?? '';
      const label = e.labels?.[key];
      return label === undefined ? null : `${key}:${label}`;
    }
  }
}

function holds(e: Execution, c: FilterCondition, evaluate: EvaluateFor): boolean {
  const v = fieldValue(e, c, evaluate);
  const expected = c.value ?? '';
  switch (c.type) {
    case 'EQUAL_TO':
      return v === expected;
    case 'NOT_EQUAL_TO':
      return v !== expected;
    case 'IN':
      return v !== null && (c.values ?? []).includes(v);
    case 'NOT_IN':
      return v === null || !(c.values ?? []).includes(v);
    case 'IS_TRUE':
      return truthy(v);
    case 'IS_FALSE':
      return !truthy(v);
    case 'IS_NULL':
      return v === null;
    case 'IS_NOT_NULL':
      return v !== null;
    case 'STARTS_WITH':
      return v?.startsWith(expected) ?? false;
    case 'ENDS_WITH':
      return v?.endsWith(expected) ?? false;
    case 'REGEX':
      // Java's String.matches: the whole value.
      return v !== null && new RegExp(`^(?:${expected})$`).test(v);
    case 'CONTAINS':
      return v?.includes(expected) ?? false;
  }
}

/** A test of an ended execution from one filter. */
export function filterTest(filter: ExecutionFilter, evaluate: EvaluateFor): (e: Execution) => boolean {
  const conditions = filter.filters ?? filter.conditions ?? [];
  return filter.operand === 'OR'
    ? (e) => conditions.some((c) => holds(e, c, evaluate))
    : (e) => conditions.every((c) => holds(e, c, evaluate));
}
