/** `flow`: starts the flow when other flows' executions end (Kestra's Flow trigger). */
import { Type as T } from '@sinclair/typebox';
import { parseShortOrIsoDuration } from '../../protocol/duration.js';
import type { Execution } from '../../protocol/execution.js';
import { defineTrigger, type PropertyProblem, type TriggerContext } from '../../protocol/plugin.js';
import type { State } from '../../protocol/states.js';
import {
  conditionsFilter,
  DependencySchema,
  endedOrPaused,
  executionConditions,
  FlowConditionSchema,
  isGroupCondition,
  PreconditionsSchema,
  StateSchema,
} from './dependencies.js';
import { checkTimeWindow } from './time-window.js';
import { type Group, type GroupProps, groupWindow, triggerGroups } from './trigger-groups.js';

type Props = GroupProps;

/** State key: members met within their window, by member key. */
const SATISFIED = 'satisfied';

interface Satisfied {
  at: number;
  outputs: Record<string, unknown>;
}

const templated = (value: unknown): boolean => typeof value === 'string' && value.includes('{{');

export default defineTrigger({
  type: 'flow',
  aliases: ['io.kestra.plugin.core.trigger.Flow', 'io.kestra.core.models.triggers.types.Flow'],
  title: 'Flow ended',
  description:
    "Starts the flow when executions of other flows end, or pause (each pause of an execution counts once). `dependsOn` lists them (namespace, flowId, end `states` — SUCCESS unless said otherwise —, labels); with several, `mode: ALL` (default) waits until each has ended within `window` (default 1 day), `ANY` starts on each, `AT_LEAST` once `minSatisfied` have. Kestra's forms are read too, where every end state and PAUSED count unless `states` say otherwise, as in Kestra: `preconditions` (`flows`, and `where` filters on FLOW_ID, NAMESPACE, STATE, LABEL or an EXPRESSION, all to be met within `timeWindow`: DURATION_WINDOW — the default, 1 day from midnight UTC —, SLIDING_WINDOW, DAILY_TIME_DEADLINE or DAILY_TIME_WINDOW; met ones are forgotten once it fired unless `resetOnSuccess: false`), the ExecutionFlow, ExecutionStatus and ExecutionNamespace `conditions`, which every end must pass, and the MultipleCondition and ExecutionFilters `conditions`, whose named conditions must each be met within their window (`sla`, `timeSLA` or `timeWindow`, or the older `window` and `windowAdvance`). An EXPRESSION sees the ended execution as `trigger.*` and its flow outputs as `outputs`. On the hub it sees the hub's executions and those its agents report; on an agent, the agent's own. The execution sees `trigger.executionId`, `trigger.namespace`, `trigger.flowId`, `trigger.flowRevision`, `trigger.state`, `trigger.outputs` (merged over the window with several dependencies), `trigger.labels`, `trigger.startDate`, `trigger.endDate` and `trigger.agentId`.",
  properties: T.Object({
    dependsOn: T.Optional(T.Array(DependencySchema, { minItems: 1, description: 'The upstream flows' })),
    states: T.Optional(
      T.Array(StateSchema, {
        minItems: 1,
        description: 'End states (and PAUSED) that count, for every dependency',
      }),
    ),
    mode: T.Optional(
      T.Union([T.Literal('ALL'), T.Literal('ANY'), T.Literal('AT_LEAST')], {
        description: 'With several dependencies: all of them, any one, or at least `minSatisfied`',
        default: 'ALL',
      }),
    ),
    minSatisfied: T.Optional(T.Integer({ minimum: 1, description: 'With mode AT_LEAST' })),
    window: T.Optional(
      T.String({
        minLength: 1,
        description:
          'How long an ended dependency counts, for ALL and AT_LEAST: ISO-8601 or short (12h); default 1 day',
      }),
    ),
    preconditions: T.Optional(PreconditionsSchema),
    conditions: T.Optional(
      T.Array(FlowConditionSchema, { description: 'Expressions, and Kestra execution conditions' }),
    ),
  }),
  variables: T.Object({
    executionId: T.String(),
    namespace: T.String(),
    flowId: T.String(),
    flowRevision: T.Integer(),
    state: T.String(),
    outputs: T.Record(T.String(), T.Unknown()),
    labels: T.Record(T.String(), T.String()),
    startDate: T.String(),
    endDate: T.Union([T.String(), T.Null()]),
    agentId: T.Union([T.String(), T.Null()], { description: 'The agent that ran it; null on the hub' }),
  }),
  // Evaluated per ended execution (`where` expressions), not at start.
  raw: ['conditions', 'preconditions'],
  examples: [
    {
      title: 'Open a ticket when the gateway’s upload fails',
      code: '- id: upload-failed\n  type: flow\n  dependsOn:\n    - namespace: plant\n      flowId: upload\n      states: [FAILED]',
    },
  ],
  check(props: Props): PropertyProblem[] {
    const problems: PropertyProblem[] = [];
    if (!props.dependsOn && !props.preconditions && executionConditions(props.conditions).length === 0)
      problems.push({
        path: 'dependsOn',
        message:
          'say which executions start this flow: `dependsOn` (or Kestra’s `preconditions` or execution `conditions`)',
      });
    const stateLists: [string, readonly string[] | undefined][] = [
      ['states', props.states],
      ...(props.dependsOn ?? []).map((d, i): [string, readonly string[] | undefined] => [
        `dependsOn.${i}.states`,
        d.states,
      ]),
    ];
    for (const [path, list] of stateLists) {
      const never = (list ?? []).filter((s) => !endedOrPaused(s as State));
      if (never.length > 0)
        problems.push({
          path,
          message: `${never.join(', ')}: only end states and PAUSED can start a flow here`,
        });
    }
    if (props.mode === 'AT_LEAST' && props.minSatisfied === undefined)
      problems.push({ path: 'minSatisfied', message: 'mode AT_LEAST needs `minSatisfied`' });
    if (
      props.window !== undefined &&
      !templated(props.window) &&
      !(parseShortOrIsoDuration(props.window)! > 0)
    )
      problems.push({ path: 'window', message: `'${props.window}' is not a positive duration` });
    const pre = props.preconditions;
    if (pre && !pre.flows && !pre.where)
      problems.push({ path: 'preconditions', message: 'say which executions count: `flows` or `where`' });
    if (pre?.timeWindow) problems.push(...checkTimeWindow(pre.timeWindow, 'preconditions.timeWindow'));
    (props.conditions ?? []).forEach((c, i) => {
      if (isGroupCondition(c)) problems.push(...checkTimeWindow(groupWindow(c), `conditions.${i}`));
    });
    return problems;
  },
  start(props: Props, ctx) {
    return new FlowListener(props, ctx).start();
  },
});

/** One running `flow` trigger: executions' ends in, matching ones fired in order. */
class FlowListener {
  private readonly groups: Group[];
  private readonly filter: (e: Execution) => boolean;
  private queue: Promise<void> = Promise.resolve();

  constructor(
    private readonly props: Props,
    private readonly ctx: TriggerContext,
  ) {
    this.groups = triggerGroups(props, (expression, e) =>
      ctx.evaluate(expression, { trigger: variablesOf(e, e.outputs), outputs: e.outputs }),
    );
    // Tern's `dependsOn` counts SUCCESS unless told otherwise; Kestra's forms every end.
    this.filter = conditionsFilter(
      executionConditions(props.conditions),
      props.states,
      this.groups.length === 0,
      props.dependsOn ? 'SUCCESS' : 'ENDED_OR_PAUSED',
    );
  }

  start() {
    const off = this.ctx.host.onExecutionEndOrPause((e) => {
      this.queue = this.queue
        .then(() => this.ended(e))
        .catch((err: unknown) => this.ctx.logger.error(`flow trigger failed: ${(err as Error).message}`));
    });
    return { stop: off };
  }

  private async ended(e: Execution): Promise<void> {
    if (this.ctx.signal.aborted || !this.filter(e)) return;
    if (this.props.states && !this.props.states.includes(e.state)) return;
    if (this.groups.length === 0) return this.fire(e, e.outputs);
    const now = this.ctx.clock.now();
    const stored = (this.ctx.state.get(SATISFIED) ?? {}) as Record<string, Satisfied>;
    const kept: Record<string, Satisfied> = {};
    let touched = false;
    let complete = true;
    const met: Satisfied[] = [];
    for (const group of this.groups) {
      const window = group.window(now);
      const matched = window ? group.members.filter((m) => m.test(e)) : [];
      if (matched.length > 0) touched = true;
      if (group.mode === 'ANY') {
        complete &&= matched.length > 0;
        continue;
      }
      const within = (s: Satisfied | undefined) =>
        s !== undefined && window !== undefined && s.at >= window.start;
      for (const m of group.members) if (within(stored[m.key])) kept[m.key] = stored[m.key]!;
      for (const m of matched) kept[m.key] = { at: now, outputs: e.outputs };
      const count = group.members.filter((m) => kept[m.key] !== undefined).length;
      const needed =
        group.mode === 'AT_LEAST'
          ? Math.min(group.minSatisfied ?? 1, group.members.length)
          : group.members.length;
      complete &&= count >= needed;
      for (const m of group.members) if (kept[m.key]) met.push(kept[m.key]!);
    }
    if (!touched) return;
    if (!complete) {
      this.ctx.state.set(SATISFIED, kept);
      return;
    }
    for (const group of this.groups) if (group.reset) for (const m of group.members) delete kept[m.key];
    this.ctx.state.set(SATISFIED, Object.keys(kept).length > 0 ? kept : undefined);
    const outputs = met
      .sort((a, b) => a.at - b.at)
      .reduce<Record<string, unknown>>((merged, s) => Object.assign(merged, s.outputs), {});
    await this.fire(e, Object.assign(outputs, e.outputs));
  }

  private async fire(e: Execution, outputs: Record<string, unknown>): Promise<void> {
    await this.ctx.fire(
      variablesOf(e, outputs),
      // An end or pause reported twice (an agent's records sent again) starts one execution; a second pause is another.
      { dedupeKey: 'ended', dedupeValue: `${e.id}/${e.state}/${e.endDate ?? e.pausedAt ?? ''}` },
    );
  }
}

/** What `trigger.*` holds for an ended execution. */
function variablesOf(e: Execution, outputs: Record<string, unknown>): Record<string, unknown> {
  return {
    executionId: e.id,
    namespace: e.namespace,
    flowId: e.flowId,
    flowRevision: e.flowRevision,
    state: e.state,
    outputs,
    labels: e.labels ?? {},
    startDate: e.startDate,
    endDate: e.endDate ?? null,
    agentId: e.agentId ?? null,
  };
}
