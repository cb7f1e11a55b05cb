/**
 * Which ended executions a `flow` trigger waits for, from any of the three
 * ways Kestra has written it: `dependsOn`, `preconditions.flows`, or
 * `conditions` of type ExecutionFlow, ExecutionStatus and ExecutionNamespace.
 */
import { Type as T } from '@sinclair/typebox';
import type { Execution } from '../../protocol/execution.js';
import { ConditionSchema } from '../../protocol/flow.js';
import { STATES, type State } from '../../protocol/states.js';

export const StateSchema = T.Union(
  STATES.map((s) => T.Literal(s)),
  { description: 'An execution state; only end states (SUCCESS, WARNING, FAILED, KILLED, CANCELLED) occur' },
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

/** Kestra's execution conditions, next to expression conditions, in a `flow` trigger's `conditions`. */
export const FlowConditionSchema = T.Union([
  ConditionSchema,
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
]);

export const PreconditionsSchema = T.Object(
  {
    id: T.Optional(T.String()),
    flows: T.Array(DependencySchema, { minItems: 1 }),
    timeWindow: T.Optional(
      T.Object(
        {
          type: T.Optional(T.Union([T.Literal('DURATION_WINDOW'), T.Literal('SLIDING_WINDOW')])),
          window: T.Optional(T.String({ minLength: 1 })),
        },
        { additionalProperties: false },
      ),
    ),
    resetOnSuccess: T.Optional(T.Literal(true)),
  },
  {
    additionalProperties: false,
    description: "Kestra's earlier form: every flow listed must end within the time window",
  },
);

type KestraCondition = { type: string; [key: string]: unknown } | string;

/** The execution fields a match looks at. */
type Ended = Pick<Execution, 'namespace' | 'flowId' | 'state' | 'labels'>;

/**
 * The end states that count: the dependency's own, else the trigger's, else
 * SUCCESS; the trigger's `states`, when given, always apply too.
 */
export function stateAllowed(
  state: State,
  own: readonly State[] | undefined,
  trigger: readonly State[] | undefined,
): boolean {
  if (trigger && !trigger.includes(state)) return false;
  return (own ?? trigger ?? ['SUCCESS']).includes(state);
}

/** True when the ended execution satisfies the dependency. */
export function satisfies(e: Ended, dep: Dependency, triggerStates: readonly State[] | undefined): boolean {
  if (dep.namespace !== undefined && dep.namespace !== e.namespace) return false;
  if (dep.flowId !== undefined && dep.flowId !== e.flowId) return false;
  if (!stateAllowed(e.state, dep.states, triggerStates)) return false;
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

/** The Kestra execution conditions (ExecutionFlow, ExecutionStatus, ExecutionNamespace) among `conditions`. */
export function executionConditions(conditions: readonly KestraCondition[] | undefined): KestraCondition[] {
  return (conditions ?? []).filter(
    (c) =>
      typeof c === 'object' &&
      [...EXECUTION_FLOW, ...EXECUTION_STATUS, ...EXECUTION_NAMESPACE].includes(c.type),
  );
}

/**
 * A test from Kestra's execution conditions, all of which must hold. Without
 * an ExecutionStatus condition, end states are checked as `stateAllowed`
 * says when `impliedStates` (no dependencies say which count).
 */
export function conditionsFilter(
  conditions: readonly KestraCondition[],
  triggerStates: readonly State[] | undefined,
  impliedStates: boolean,
): (e: Ended) => boolean {
  const tests: ((e: Ended) => boolean)[] = [];
  let statusGiven = false;
  for (const c of conditions) {
    if (typeof c !== 'object') continue;
    if (EXECUTION_FLOW.includes(c.type))
      tests.push((e) => e.namespace === c.namespace && e.flowId === c.flowId);
    else if (EXECUTION_STATUS.includes(c.type)) {
      statusGiven = true;
      const inStates = c.in as State[] | undefined;
      const notIn = c.notIn as State[] | undefined;
      tests.push(
        (e) =>
          (!inStates?.length || inStates.includes(e.state)) &&
          !(notIn ?? []).includes(e.state) &&
          (!triggerStates || triggerStates.includes(e.state)),
      );
    } else if (EXECUTION_NAMESPACE.includes(c.type)) {
      const namespace = c.namespace as string;
      const comparison = c.comparison ?? (c.prefix === true ? 'PREFIX' : 'EQUALS');
      tests.push((e) =>
        comparison === 'PREFIX'
          ? e.namespace.startsWith(namespace)
          : comparison === 'SUFFIX'
            ? e.namespace.endsWith(namespace)
            : e.namespace === namespace,
      );
    }
  }
  if (!statusGiven && impliedStates) tests.push((e) => stateAllowed(e.state, undefined, triggerStates));
  return (e) => tests.every((test) => test(e));
}
