/**
 * Which ended executions a `flow` trigger waits for, from any of the three
 * ways Kestra has written it: `dependsOn`, `preconditions.flows`, or
 * `conditions` of type ExecutionFlow, ExecutionStatus and ExecutionNamespace.
 */
import { Type as T } from '@sinclair/typebox';
import type { Execution } from '../../protocol/execution.js';
import { ConditionSchema } from '../../protocol/flow.js';
import { isTerminal, STATES, type State } from '../../protocol/states.js';
import { ExecutionFilterSchema } from './execution-filters.js';
import { TimeWindowSchema } from './time-window.js';

export const StateSchema = T.Union(
  STATES.map((s) => T.Literal(s)),
  {
    description:
      'An execution state; only end states (SUCCESS, WARNING, FAILED, KILLED, CANCELLED) and PAUSED occur',
  },
);

const States = (description: string) => T.Array(StateSchema, { minItems: 1, description });

export const DependencySchema = T.Object(
  {
    namespace: T.Optional(T.String({ minLength: 1, description: 'Namespace of the upstream flow' })),
    flowId: T.Optional(
      T.String({
        minLength: 1,
        description: 'Id of the upstream flow; any flow of the namespace without it',
      }),
    ),
    states: T.Optional(States('End states that count (default: the trigger’s `states`, else SUCCESS)')),
    labels: T.Optional(
      T.Record(T.String(), T.String(), { description: 'Labels the upstream execution must have' }),
    ),
  },
  { additionalProperties: false },
);

export type Dependency = {
  namespace?: string;
  flowId?: string;
  states?: State[];
  labels?: Record<string, string>;
};

const typeOf = (names: string[]) => T.Union(names.map((n) => T.Literal(n)));

const EXECUTION_FLOW = [
  'io.kestra.plugin.core.condition.ExecutionFlow',
  'io.kestra.plugin.core.condition.ExecutionFlowCondition',
  'io.kestra.core.models.conditions.types.ExecutionFlowCondition',
];
const EXECUTION_STATUS = [
  'io.kestra.plugin.core.condition.ExecutionStatus',
  'io.kestra.plugin.core.condition.ExecutionStatusCondition',
  'io.kestra.core.models.conditions.types.ExecutionStatusCondition',
];
const EXECUTION_NAMESPACE = [
  'io.kestra.plugin.core.condition.ExecutionNamespace',
  'io.kestra.plugin.core.condition.ExecutionNamespaceCondition',
  'io.kestra.core.models.conditions.types.ExecutionNamespaceCondition',
];

const MULTIPLE = [
  'io.kestra.plugin.core.condition.MultipleCondition',
  'io.kestra.core.models.conditions.types.MultipleCondition',
];
const EXECUTION_FILTERS = ['io.kestra.plugin.core.condition.ExecutionFilters'];

/** Kestra's single execution conditions: ExecutionFlow, ExecutionStatus, ExecutionNamespace. */
const SingleConditionSchemas = [
  T.Object(
    {
      type: typeOf(EXECUTION_FLOW),
      namespace: T.String({ minLength: 1 }),
      flowId: T.String({ minLength: 1 }),
    },
    { additionalProperties: false },
  ),
  T.Object(
    {
      type: typeOf(EXECUTION_STATUS),
      in: T.Optional(T.Array(StateSchema)),
      notIn: T.Optional(T.Array(StateSchema)),
    },
    { additionalProperties: false },
  ),
  T.Object(
    {
      type: typeOf(EXECUTION_NAMESPACE),
      namespace: T.String({ minLength: 1 }),
      comparison: T.Optional(T.Union([T.Literal('EQUALS'), T.Literal('PREFIX'), T.Literal('SUFFIX')])),
      prefix: T.Optional(T.Boolean()),
    },
    { additionalProperties: false },
  ),
];

const windowProperties = {
  id: T.String({ minLength: 1, description: 'Names the condition; its progress is kept under it' }),
  sla: T.Optional(TimeWindowSchema),
  timeSLA: T.Optional(TimeWindowSchema),
  timeWindow: T.Optional(TimeWindowSchema),
  window: T.Optional(T.String({ minLength: 1, description: 'Older form of `timeWindow.window`' })),
  windowAdvance: T.Optional(
    T.String({ minLength: 1, description: 'Older form of `timeWindow.windowAdvance`' }),
  ),
  resetOnSuccess: T.Optional(T.Boolean({ default: true })),
};

/** Kestra's conditions that wait for several ends within a time window. */
const GroupConditionSchemas = [
  T.Object(
    {
      type: typeOf(MULTIPLE),
      ...windowProperties,
      conditions: T.Record(T.String(), T.Union([ConditionSchema, ...SingleConditionSchemas]), {
        minProperties: 1,
        description: 'Each must be met by some execution within the window',
      }),
    },
    { additionalProperties: false },
  ),
  T.Object(
    {
      type: typeOf(EXECUTION_FILTERS),
      ...windowProperties,
      filters: T.Array(ExecutionFilterSchema, { minItems: 1 }),
    },
    { additionalProperties: false },
  ),
];

/** Kestra's execution conditions, next to expression conditions, in a `flow` trigger's `conditions`. */
export const FlowConditionSchema = T.Union([
  ConditionSchema,
  ...SingleConditionSchemas,
  ...GroupConditionSchemas,
]);

export const PreconditionsSchema = T.Object(
  {
    id: T.Optional(T.String()),
    flows: T.Optional(T.Array(DependencySchema, { minItems: 1 })),
    where: T.Optional(
      T.Array(ExecutionFilterSchema, {
        minItems: 1,
        description: 'Filters on ended executions, each to be met within the window like a flow',
      }),
    ),
    timeWindow: T.Optional(TimeWindowSchema),
    resetOnSuccess: T.Optional(T.Boolean({ default: true })),
  },
  {
    additionalProperties: false,
    description:
      "Kestra's earlier form: every flow listed, and every `where` filter, must be met within the time window",
  },
);

type KestraCondition = { type: string; [key: string]: unknown } | string;

/** The states a Flow trigger can react to: every end, and PAUSED. */
export const endedOrPaused = (state: State): boolean => isTerminal(state) || state === 'PAUSED';

/** The execution fields a match looks at. */
type Ended = Pick<Execution, 'namespace' | 'flowId' | 'state' | 'labels'>;

/**
 * Tern's `dependsOn` counts SUCCESS unless told otherwise; Kestra's forms
 * count every end and PAUSED (the default `states` of Kestra's Flow trigger).
 */
export type StateDefault = 'SUCCESS' | 'ENDED_OR_PAUSED';

/**
 * The end states that count: the dependency's own, else the trigger's, else
 * SUCCESS or any (`fallback`); the trigger's `states`, when given, always apply too.
 */
export function stateAllowed(
  state: State,
  own: readonly State[] | undefined,
  trigger: readonly State[] | undefined,
  fallback: StateDefault = 'SUCCESS',
): boolean {
  if (trigger && !trigger.includes(state)) return false;
  const allowed = own ?? trigger;
  if (!allowed) return fallback === 'ENDED_OR_PAUSED' ? endedOrPaused(state) : state === 'SUCCESS';
  return allowed.includes(state);
}

/** True when the ended execution satisfies the dependency. */
export function satisfies(
  e: Ended,
  dep: Dependency,
  triggerStates: readonly State[] | undefined,
  fallback: StateDefault = 'SUCCESS',
): boolean {
  if (dep.namespace !== undefined && dep.namespace !== e.namespace) return false;
  if (dep.flowId !== undefined && dep.flowId !== e.flowId) return false;
  if (!stateAllowed(e.state, dep.states, triggerStates, fallback)) return false;
  for (const [key, value] of Object.entries(dep.labels ?? {})) if (e.labels?.[key] !== value) return false;
  return true;
}

/** A stable name of a dependency, under which its satisfaction is remembered. */
export function dependencyKey(dep: Dependency): string {
  return JSON.stringify([
    dep.namespace ?? null,
    dep.flowId ?? null,
    [...(dep.states ?? [])].sort(),
    dep.labels ?? {},
  ]);
}

/** Kestra's execution conditions (single ones, MultipleCondition, ExecutionFilters) among `conditions`. */
export function executionConditions(conditions: readonly KestraCondition[] | undefined): KestraCondition[] {
  return (conditions ?? []).filter(
    (c) =>
      typeof c === 'object' &&
      [
        ...EXECUTION_FLOW,
        ...EXECUTION_STATUS,
        ...EXECUTION_NAMESPACE,
        ...MULTIPLE,
        ...EXECUTION_FILTERS,
      ].includes(c.type),
  );
}

/** True for Kestra's conditions that wait for several ends in a window (MultipleCondition, ExecutionFilters). */
export function isGroupCondition(c: KestraCondition): c is { type: string; [key: string]: unknown } {
  return typeof c === 'object' && (MULTIPLE.includes(c.type) || EXECUTION_FILTERS.includes(c.type));
}

/**
 * The test of one single execution condition (ExecutionFlow, ExecutionStatus,
 * ExecutionNamespace); undefined for any other condition.
 */
export function singleConditionTest(
  c: KestraCondition,
  triggerStates: readonly State[] | undefined,
): ((e: Ended) => boolean) | undefined {
  if (typeof c !== 'object') return undefined;
  if (EXECUTION_FLOW.includes(c.type)) return (e) => e.namespace === c.namespace && e.flowId === c.flowId;
  if (EXECUTION_STATUS.includes(c.type)) {
    const inStates = c.in as State[] | undefined;
    const notIn = c.notIn as State[] | undefined;
    return (e) =>
      (!inStates?.length || inStates.includes(e.state)) &&
      !(notIn ?? []).includes(e.state) &&
      (!triggerStates || triggerStates.includes(e.state));
  }
  if (EXECUTION_NAMESPACE.includes(c.type)) {
    const namespace = c.namespace as string;
    const comparison = c.comparison ?? (c.prefix === true ? 'PREFIX' : 'EQUALS');
    return (e) =>
      comparison === 'PREFIX'
        ? e.namespace.startsWith(namespace)
        : comparison === 'SUFFIX'
          ? e.namespace.endsWith(namespace)
          : e.namespace === namespace;
  }
  return undefined;
}

/**
 * A test from Kestra's single execution conditions, all of which must hold.
 * Without an ExecutionStatus condition, end states are checked as
 * `stateAllowed` says, with `fallback`, when `impliedStates` (no
 * dependencies say which count).
 */
export function conditionsFilter(
  conditions: readonly KestraCondition[],
  triggerStates: readonly State[] | undefined,
  impliedStates: boolean,
  fallback: StateDefault,
): (e: Ended) => boolean {
  const tests: ((e: Ended) => boolean)[] = [];
  let statusGiven = false;
  for (const c of conditions) {
    const test = singleConditionTest(c, triggerStates);
    if (!test) continue;
    tests.push(test);
    if (typeof c === 'object' && EXECUTION_STATUS.includes(c.type)) statusGiven = true;
  }
  if (!statusGiven && impliedStates)
    tests.push((e) => stateAllowed(e.state, undefined, triggerStates, fallback));
  return (e) => tests.every((test) => test(e));
}
