/**
 * The sets of ends a `flow` trigger waits for together, from each form that
 * names them: `dependsOn`, `preconditions` (flows and `where` filters), and
 * Kestra's MultipleCondition and ExecutionFilters conditions. A set is met
 * when enough of its members have been met within its time window.
 */
import { parseShortOrIsoDuration } from '../../protocol/duration.js';
import type { Execution } from '../../protocol/execution.js';
import type { State } from '../../protocol/states.js';
import {
  type Dependency,
  dependencyKey,
  isGroupCondition,
  satisfies,
  singleConditionTest,
} from './dependencies.js';
import { type EvaluateFor, type ExecutionFilter, filterTest } from './execution-filters.js';
import { currentWindow, type TimeWindow } from './time-window.js';

export type Mode = 'ALL' | 'ANY' | 'AT_LEAST';

/** One thing to be met: a flow's end, a filter, a named condition; its key is where its progress is kept. */
export interface Member {
  key: string;
  test(e: Execution): boolean;
}

export interface Group {
  members: Member[];
  mode: Mode;
  /** With AT_LEAST. */
  minSatisfied?: number;
  /** The window `now` falls in, or undefined when ends count in none now. */
  window(now: number): { start: number; end: number } | undefined;
  /** Forget what was met once the trigger fired (Kestra's `resetOnSuccess`, true by default). */
  reset: boolean;
}

export interface GroupProps {
  dependsOn?: Dependency[];
  states?: State[];
  mode?: Mode;
  minSatisfied?: number;
  window?: string;
  preconditions?: {
    flows?: Dependency[];
    where?: ExecutionFilter[];
    timeWindow?: TimeWindow;
    resetOnSuccess?: boolean;
  };
  conditions?: ({ type: string; [key: string]: unknown } | string)[];
}

const DAY_MS = 24 * 3600_000;

/** A group condition's window, from whichever of Kestra's names it was given under. */
export function groupWindow(c: Record<string, unknown>): TimeWindow {
  const given = (c.timeWindow ?? c.timeSLA ?? c.sla ?? {}) as TimeWindow;
  return {
    ...given,
    ...(c.window !== undefined && { window: c.window as string }),
    ...(c.windowAdvance !== undefined && { windowAdvance: c.windowAdvance as string }),
  };
}

/** Every set the trigger waits for; none when each end that passes its conditions starts it. */
export function triggerGroups(props: GroupProps, evaluate: EvaluateFor): Group[] {
  const groups: Group[] = [];
  if (props.dependsOn) {
    // Tern's own `window`: how long an ended dependency counts, looking back from now.
    const ms = parseShortOrIsoDuration(props.window ?? '') ?? DAY_MS;
    groups.push({
      members: props.dependsOn.map((dep) => ({
        key: dependencyKey(dep),
        test: (e) => satisfies(e, dep, props.states),
      })),
      mode: props.mode ?? 'ALL',
      minSatisfied: props.minSatisfied,
      window: (now) => ({ start: now - ms, end: now + 1 }),
      reset: true,
    });
  }
  const pre = props.preconditions;
  if (pre) {
    const tw = pre.timeWindow ?? {};
    groups.push({
      members: [
        ...(pre.flows ?? []).map((dep) => ({
          key: dependencyKey(dep),
          test: (e: Execution) => satisfies(e, dep, props.states, 'ENDED_OR_PAUSED'),
        })),
        ...(pre.where ?? []).map((f) => ({ key: `where:${f.id}`, test: filterTest(f, evaluate) })),
      ],
      mode: 'ALL',
      window: (now) => currentWindow(now, tw),
      reset: pre.resetOnSuccess ?? true,
    });
  }
  for (const c of props.conditions ?? []) {
    if (!isGroupCondition(c)) continue;
    const id = c.id as string;
    const members: Member[] = Array.isArray(c.filters)
      ? (c.filters as ExecutionFilter[]).map((f) => ({ key: `${id}:${f.id}`, test: filterTest(f, evaluate) }))
      : Object.entries(c.conditions as Record<string, unknown>).map(([name, inner]) => ({
          key: `${id}:${name}`,
          test: memberTest(inner, props.states, evaluate),
        }));
    const tw = groupWindow(c);
    groups.push({
      members,
      mode: 'ALL',
      window: (now) => currentWindow(now, tw),
      reset: c.resetOnSuccess !== false,
    });
  }
  return groups;
}

/** The test of one of a MultipleCondition's conditions: an execution condition or an expression. */
function memberTest(
  c: unknown,
  triggerStates: readonly State[] | undefined,
  evaluate: EvaluateFor,
): (e: Execution) => boolean {
  const single = singleConditionTest(c as { type: string }, triggerStates);
  if (single) return single;
  const expression = typeof c === 'string' ? c : ((c as { expression?: string }).expression ?? 'false');
  return (e) => {
    const value = evaluate(expression, e);
    return value !== false && value !== null && value !== undefined && value !== '' && value !== 'false';
  };
}
