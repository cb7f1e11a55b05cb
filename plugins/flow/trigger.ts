/** `flow`: starts the flow when other flows' executions end (Kestra's Flow trigger). */
import { Type as T } from '@sinclair/typebox';
import { parseShortOrIsoDuration } from '../../protocol/duration.js';
import type { Execution } from '../../protocol/execution.js';
import { defineTrigger, type PropertyProblem, type TriggerContext } from '../../protocol/plugin.js';
import { isTerminal, type State } from '../../protocol/states.js';
import {
  conditionsFilter,
  type Dependency,
  DependencySchema,
  dependencyKey,
  executionConditions,
  FlowConditionSchema,
  PreconditionsSchema,
  StateSchema,
  satisfies,
} from './dependencies.js';

type Mode = 'ALL' | 'ANY' | 'AT_LEAST';

interface Props {
  dependsOn?: Dependency[];
  states?: State[];
  mode?: Mode;
  minSatisfied?: number;
  window?: string;
  preconditions?: { flows: Dependency[]; timeWindow?: { window?: string } };
  conditions?: ({ type: string; [key: string]: unknown } | string)[];
}

/** State key: dependencies satisfied within the window, by dependency key. */
const SATISFIED = 'satisfied';
const DEFAULT_WINDOW_MS = 24 * 3600_000;

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
    "Starts the flow when executions of other flows end. `dependsOn` lists them (namespace, flowId, end `states` — SUCCESS unless said otherwise —, labels); with several, `mode: ALL` (default) waits until each has ended within `window` (default 1 day), `ANY` starts on each, `AT_LEAST` once `minSatisfied` have. Kestra's `preconditions` and its ExecutionFlow, ExecutionStatus and ExecutionNamespace `conditions` are read too. On the hub it sees the hub's executions and those its agents report; on an agent, the agent's own. The execution sees `trigger.executionId`, `trigger.namespace`, `trigger.flowId`, `trigger.flowRevision`, `trigger.state`, `trigger.outputs` (merged over the window with several dependencies), `trigger.labels`, `trigger.startDate`, `trigger.endDate` and `trigger.agentId`.",
  properties: T.Object({
    dependsOn: T.Optional(T.Array(DependencySchema, { minItems: 1, description: 'The upstream flows' })),
    states: T.Optional(
      T.Array(StateSchema, { minItems: 1, description: 'End states that count, for every dependency' }),
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
  raw: ['conditions'],
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
      const never = (list ?? []).filter((s) => !isTerminal(s as State));
      if (never.length > 0)
        problems.push({ path, message: `${never.join(', ')}: only end states can start a flow here` });
    }
    if (props.mode === 'AT_LEAST' && props.minSatisfied === undefined)
      problems.push({ path: 'minSatisfied', message: 'mode AT_LEAST needs `minSatisfied`' });
    const window = props.window ?? props.preconditions?.timeWindow?.window;
    if (window !== undefined && !templated(window) && !(parseShortOrIsoDuration(window)! > 0))
      problems.push({
        path: props.window ? 'window' : 'preconditions.timeWindow.window',
        message: `'${window}' is not a positive duration`,
      });
    return problems;
  },
  start(props: Props, ctx) {
    return new FlowListener(props, ctx).start();
  },
});

/** One running `flow` trigger: executions' ends in, matching ones fired in order. */
class FlowListener {
  private readonly deps: Dependency[];
  private readonly filter: (e: Execution) => boolean;
  private readonly mode: Mode;
  private readonly windowMs: number;
  private queue: Promise<void> = Promise.resolve();

  constructor(
    private readonly props: Props,
    private readonly ctx: TriggerContext,
  ) {
    this.deps = props.dependsOn ?? props.preconditions?.flows ?? [];
    this.filter = conditionsFilter(
      executionConditions(props.conditions),
      props.states,
      this.deps.length === 0,
    );
    this.mode = props.preconditions && !props.dependsOn ? 'ALL' : (props.mode ?? 'ALL');
    const window = props.window ?? props.preconditions?.timeWindow?.window;
    this.windowMs = (window === undefined ? undefined : parseShortOrIsoDuration(window)) ?? DEFAULT_WINDOW_MS;
  }

  start() {
    const off = this.ctx.host.onExecutionEnd((e) => {
      this.queue = this.queue
        .then(() => this.ended(e))
        .catch((err: unknown) => this.ctx.logger.error(`flow trigger failed: ${(err as Error).message}`));
    });
    return { stop: off };
  }

  private async ended(e: Execution): Promise<void> {
    if (this.ctx.signal.aborted || !this.filter(e)) return;
    if (this.deps.length === 0) return this.fire(e, e.outputs);
    const matched = this.deps.filter((d) => satisfies(e, d, this.props.states));
    if (matched.length === 0) return;
    if (this.mode === 'ANY' || this.deps.length === 1) return this.fire(e, e.outputs);
    const now = this.ctx.clock.now();
    const satisfied = this.satisfied(now);
    for (const dep of matched) satisfied[dependencyKey(dep)] = { at: now, outputs: e.outputs };
    const count = this.deps.filter((d) => satisfied[dependencyKey(d)] !== undefined).length;
    const needed =
      this.mode === 'AT_LEAST' ? Math.min(this.props.minSatisfied ?? 1, this.deps.length) : this.deps.length;
    if (count < needed) {
      this.ctx.state.set(SATISFIED, satisfied);
      return;
    }
    const outputs = Object.values(satisfied)
      .sort((a, b) => a.at - b.at)
      .reduce<Record<string, unknown>>((merged, s) => Object.assign(merged, s.outputs), {});
    this.ctx.state.set(SATISFIED, undefined);
    await this.fire(e, Object.assign(outputs, e.outputs));
  }

  /** What is satisfied still within the window. */
  private satisfied(now: number): Record<string, Satisfied> {
    const stored = (this.ctx.state.get(SATISFIED) ?? {}) as Record<string, Satisfied>;
    return Object.fromEntries(Object.entries(stored).filter(([, s]) => s.at > now - this.windowMs));
  }

  private async fire(e: Execution, outputs: Record<string, unknown>): Promise<void> {
    await this.ctx.fire(
      {
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
      },
      // An end reported twice (an agent's records sent again) starts one execution.
      { dedupeKey: 'ended', dedupeValue: `${e.id}/${e.state}/${e.endDate ?? ''}` },
    );
  }
}
