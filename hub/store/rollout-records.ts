/**
 * A rollout as the hub keeps it and the API answers with (TypeBox, so the two cannot drift); types
 * only from protocol/, so the web UI can import the derived types too.
 */
import { type Static, Type as T } from '@sinclair/typebox';

const DateTime = T.String({ format: 'date-time' });
const Revision = T.Union([T.Integer(), T.Null()], {
  description: 'A flow revision; null: the flow not at all',
});

/** Where a rollout stands: `WAITING` is the pause after a stage passed (a duration, or an approval). */
export const RolloutStatusSchema = T.Union([
  T.Literal('RUNNING'),
  T.Literal('WAITING'),
  T.Literal('PAUSED'),
  T.Literal('SUCCEEDED'),
  T.Literal('FAILED'),
  T.Literal('ROLLED_BACK'),
  T.Literal('CANCELLED'),
]);
export type RolloutStatus = Static<typeof RolloutStatusSchema>;

/** What one agent of a rollout is at. */
export const RolloutAgentStateSchema = T.Union([
  T.Literal('pending'),
  T.Literal('updating'),
  T.Literal('applied'),
  T.Literal('failed'),
  T.Literal('rolled_back'),
]);
export type RolloutAgentState = Static<typeof RolloutAgentStateSchema>;

export const RolloutAgentSchema = T.Object({
  stage: T.Integer({ description: 'Index in `stages`' }),
  previousRevision: Revision,
  /** Of an agent version rollout: the version the agent ran when it began, which a rollback sets back. */
  previousVersion: T.Optional(
    T.Union([T.String(), T.Null()], {
      description: 'The agent version it ran before (agent version rollouts); null: none known',
    }),
  ),
  /** Of a set rollout: the revision of each flow (`namespace/id`) it ran before; null: none. */
  previousRevisions: T.Optional(
    T.Record(T.String(), Revision, {
      description: 'The revision of each flow of the set (`namespace/id`) it ran before (set rollouts)',
    }),
  ),
  /** Of a label rollout: its labels when the rollout began, which a rollback sets back. */
  previousLabels: T.Optional(
    T.Record(T.String(), T.String(), { description: 'Its labels before (label rollouts)' }),
  ),
  state: RolloutAgentStateSchema,
  /** Why it failed a gate. */
  reason: T.Optional(T.String()),
});
export type RolloutAgent = Static<typeof RolloutAgentSchema>;

/** The figures of a stage's gates, as last evaluated. */
export const GateFiguresSchema = T.Object({
  applied: T.Integer(),
  offline: T.Integer(),
  executions: T.Integer(),
  failedExecutions: T.Integer(),
  failureRate: T.Number(),
});
export type GateFigures = Static<typeof GateFiguresSchema>;

export const RolloutStageSchema = T.Object({
  name: T.String({ description: '`canary`, then `wave 1`, `wave 2`, …' }),
  agents: T.Array(T.String()),
  state: T.Union([
    T.Literal('PENDING'),
    T.Literal('APPLYING'),
    T.Literal('OBSERVING'),
    T.Literal('PASSED'),
    T.Literal('FAILED'),
  ]),
  startedAt: T.Optional(DateTime),
  appliedAt: T.Optional(DateTime),
  endedAt: T.Optional(DateTime),
  gate: T.Optional(GateFiguresSchema),
});
export type RolloutStage = Static<typeof RolloutStageSchema>;

/** One flow of a set rollout (`tern deploy --rollout`). */
export const RolloutFlowSchema = T.Object({
  namespace: T.String(),
  flowId: T.String(),
  revision: T.Integer({ description: 'The revision rolled out' }),
  baseRevision: T.Integer({
    description:
      "The flow's latest revision when the rollout began: the set decides this flow until it is saved again",
  }),
  previousRevision: Revision,
});
export type RolloutFlow = Static<typeof RolloutFlowSchema>;

/** What a label rollout changes on each of its agents. */
export const LabelChangeSchema = T.Object({
  set: T.Optional(T.Record(T.String(), T.String(), { description: 'Labels added or changed' })),
  remove: T.Optional(T.Array(T.String(), { description: 'Labels removed' })),
});
export type LabelChange = Static<typeof LabelChangeSchema>;

export const RolloutSchema = T.Object({
  id: T.String(),
  kind: T.Optional(
    T.Union([T.Literal('flow'), T.Literal('flows'), T.Literal('labels'), T.Literal('agentVersion')], {
      description:
        'What is rolled out: a flow revision (`namespace`, `flowId`, `revision`; the default), a set of flow revisions (`flows`), a label change (`labelChange`) or an agent version (`agentVersion`)',
    }),
  ),
  namespace: T.String({ description: "The flow's namespace; empty for other kinds" }),
  flowId: T.String({ description: 'The flow; empty for other kinds' }),
  revision: T.Integer({ description: 'The revision rolled out; 0 for other kinds' }),
  baseRevision: T.Integer({
    description:
      "The flow's latest revision when the rollout began: it decides agents' revisions until the flow is saved again",
  }),
  previousRevision: Revision,
  agentVersion: T.Optional(T.String({ description: 'The agent version rolled out' })),
  labels: T.Optional(
    T.Record(T.String(), T.String(), {
      description: 'Of an agent version or label rollout: only the agents with every label given',
    }),
  ),
  flows: T.Optional(T.Array(RolloutFlowSchema, { description: 'Of a set rollout: its flows' })),
  labelChange: T.Optional(LabelChangeSchema),
  status: RolloutStatusSchema,
  stage: T.Integer({ description: 'Index of the current stage' }),
  stages: T.Array(RolloutStageSchema),
  agents: T.Record(T.String(), RolloutAgentSchema),
  options: T.Record(T.String(), T.Unknown(), {
    description: 'The options as given (see the flow `rollout:`)',
  }),
  /** While WAITING for a duration: when the next stage starts. */
  waitingUntil: T.Optional(DateTime),
  /** While PAUSED: the status `resume` goes back to. */
  pausedFrom: T.Optional(RolloutStatusSchema),
  reason: T.Optional(T.String()),
  failedAgents: T.Optional(T.Array(T.String())),
  createdAt: DateTime,
  updatedAt: DateTime,
});
/** A staged, health-gated change across agents: a flow's revision, a set of them, their labels, or the agent version. */
export type Rollout = Static<typeof RolloutSchema>;

/** The statuses after which a rollout changes no more by itself. */
export const ENDED_ROLLOUT_STATUSES: readonly RolloutStatus[] = [
  'SUCCEEDED',
  'FAILED',
  'ROLLED_BACK',
  'CANCELLED',
];
