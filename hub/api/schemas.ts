/** Schemas shared by the API's routes: path parameters, pagination, and the records it answers with. */
import { type Static, Type as T, type TSchema } from '@sinclair/typebox';
import { LOG_LEVELS } from '../../protocol/execution.js';
import { ID_REGEX } from '../../protocol/flow.js';
import { STATES } from '../../protocol/states.js';
import {
  AgentSchema,
  FlowRecordSchema,
  FlowRevisionSchema,
  JsonObject,
  Labels,
  TokenInfoSchema,
} from '../store/records.js';
import { type Rollout, RolloutSchema } from '../store/rollout-records.js';

export type { Rollout };
export { AgentSchema, FlowRecordSchema, FlowRevisionSchema, Labels, TokenInfoSchema };

export const Id = T.String({
  pattern: ID_REGEX,
  maxLength: 256,
  description: 'Letters, digits, `.`, `_` and `-`',
});
export const Namespace = T.String({ pattern: ID_REGEX, maxLength: 256, description: 'Dotted namespace' });
export const ExecutionIdParams = T.Object({
  id: T.String({ pattern: ID_REGEX, maxLength: 128, description: 'Execution id' }),
});
/** Largest value of a PostgreSQL `integer` column (flow revisions): a larger number names nothing stored. */
export const INT32_MAX = 2_147_483_647;
/** A flow revision number, as a path parameter. */
export const Revision = T.Integer({ minimum: 1, maximum: INT32_MAX, description: 'Flow revision, from 1' });
/** Text without NUL (U+0000), which no text column can store; `validation.ts` names it in its message. */
export const NO_NUL_PATTERN = '^[^\\u0000]*$';
export const StateName = T.Union(
  STATES.map((s) => T.Literal(s)),
  { description: 'Execution or task-run state' },
);
export const LogLevelName = T.Union(LOG_LEVELS.map((l) => T.Literal(l)));
const Json = JsonObject;

/** `cursor` and `limit` of every paginated list. */
export const PageQuery = {
  cursor: T.Optional(
    T.String({ minLength: 1, maxLength: 1024, description: 'Opaque cursor from `nextCursor`' }),
  ),
  limit: T.Optional(T.Integer({ minimum: 1, maximum: 500, description: 'Page size, 1–500 (default 50)' })),
};

/** Repeatable `labels=key:value` filter. */
export const LabelQuery = T.Optional(
  T.Array(T.String({ pattern: '^[^:]+:.*$' }), {
    description: 'Label filter `key:value`; repeat to require several',
  }),
);

/** Turns `['site:plant1', 'role:gw']` into `{site: 'plant1', role: 'gw'}`. */
export function labelFilter(pairs: readonly string[] | undefined): Record<string, string> | undefined {
  if (!pairs || pairs.length === 0) return undefined;
  const out: Record<string, string> = {};
  for (const pair of pairs) {
    const at = pair.indexOf(':');
    out[pair.slice(0, at)] = pair.slice(at + 1);
  }
  return out;
}

/** A page of `item`s. */
export const Page = <S extends TSchema>(item: S) =>
  T.Object({
    items: T.Array(item),
    nextCursor: T.Optional(T.String({ description: 'Cursor of the next page; absent on the last page' })),
  });

/** A whole (unpaginated) list of `item`s, in the same envelope as a page. */
export const List = <S extends TSchema>(item: S) => T.Object({ items: T.Array(item) });

export const ErrorBodySchema = T.Object({
  error: T.Object({
    code: T.String({ description: 'Stable error code, e.g. NOT_FOUND, INVALID_FLOW' }),
    message: T.String(),
    details: T.Optional(
      T.Unknown({ description: 'Problems, each with its path (and line/column for flows)' }),
    ),
  }),
});

/** One event of a `text/event-stream` answer, as a client parses it; heartbeats are comment lines. */
export const ServerSentEventSchema = T.Object(
  {
    event: T.String({ description: 'The event name' }),
    data: T.String({ description: 'The payload: JSON, as text' }),
    id: T.Optional(T.String()),
    retry: T.Optional(T.Integer()),
  },
  { description: 'One server-sent event' },
);

export const ProblemSchema = T.Object({
  path: T.String(),
  message: T.String(),
  line: T.Optional(T.Integer()),
  column: T.Optional(T.Integer()),
});

const DateTime = T.String({ format: 'date-time' });

export const TriggerRuntimeStateSchema = T.Object({
  runtime: T.Union([T.Literal('hub'), T.Literal('agent')], {
    description: 'Who runs the trigger: the hub itself or an agent',
  }),
  agentId: T.Optional(T.String()),
  online: T.Optional(
    T.Boolean({ description: 'Whether the agent is connected; its last report stays while it is not' }),
  ),
  revision: T.Integer({ description: 'The flow revision this runtime runs' }),
  disabled: T.Optional(
    T.Boolean({
      description:
        'True when that revision disables the trigger (or the whole flow): the runtime holds it but does not run it',
    }),
  ),
  lastFiredAt: T.Optional(DateTime),
  lastExecutionId: T.Optional(T.String()),
  next: T.Optional(T.String({ format: 'date-time', description: 'When it plans to fire next (schedule)' })),
  lastError: T.Optional(T.Object({ at: DateTime, message: T.String() })),
  fired: T.Integer({ description: 'Executions started since the runtime started' }),
  dropped: T.Integer({ description: 'Events dropped because the trigger queue was full' }),
});

export const FlowTriggerSchema = T.Object({
  id: T.String(),
  type: T.String(),
  disabled: T.Boolean(),
  runtimes: T.Array(TriggerRuntimeStateSchema, {
    description:
      'The hub and every agent that reported holding it, running or disabled; empty when nobody holds it',
  }),
});

/** A flow with the state of its triggers, as `GET /flows/{namespace}/{id}` answers. */
export const FlowWithTriggersSchema = T.Object({
  ...FlowRecordSchema.properties,
  triggers: T.Array(FlowTriggerSchema, { description: 'The triggers of this revision, in flow order' }),
});

const Attempt = T.Object({
  state: StateName,
  startDate: T.String(),
  endDate: T.Optional(T.String()),
  error: T.Optional(T.String()),
});

export const TaskRunSchema = T.Object({
  id: T.String(),
  executionId: T.String(),
  taskId: T.String(),
  parentTaskRunId: T.Union([T.String(), T.Null()]),
  value: T.Union([T.String(), T.Null()]),
  valuePath: T.Array(T.String()),
  iteration: T.Union([T.Integer(), T.Null()]),
  state: StateName,
  attempts: T.Array(Attempt),
  outputs: Json,
  startDate: T.String(),
  endDate: T.Optional(T.String()),
  resumeAt: T.Optional(T.String()),
  error: T.Optional(T.String()),
});

export const ExecutionSchema = T.Object({
  id: T.String(),
  namespace: T.String(),
  flowId: T.String(),
  flowRevision: T.Integer(),
  state: StateName,
  inputs: Json,
  secretInputs: T.Optional(
    T.Array(T.String(), {
      description:
        'Inputs stored masked (`******`): a SECRET input, or a secret passed by the parent execution. Their values are never stored, so the execution cannot be restarted or replayed',
    }),
  ),
  outputs: Json,
  labels: Labels,
  variables: T.Optional(Json),
  trigger: T.Union([Json, T.Null()]),
  originalId: T.String(),
  attemptNumber: T.Optional(
    T.Integer({
      minimum: 1,
      description: 'With retry behavior CREATE_NEW_EXECUTION: which attempt this execution is',
    }),
  ),
  parentExecutionId: T.Optional(T.Union([T.String(), T.Null()])),
  agentId: T.Union([T.String(), T.Null()], { description: 'Agent that ran it; null on the hub' }),
  startDate: T.String(),
  scheduleDate: T.Optional(
    T.String({ description: 'Scheduled for later (a subflow with `scheduleDate`): CREATED until then' }),
  ),
  endDate: T.Optional(T.String()),
  pausedAt: T.Optional(T.String({ description: 'When it last paused' })),
  stage: T.Optional(
    T.Union([T.Literal('tasks'), T.Literal('errors'), T.Literal('finally'), T.Literal('done')]),
  ),
  error: T.Optional(T.String()),
});

export const ExecutionWithTaskRunsSchema = T.Composite([
  ExecutionSchema,
  T.Object({ taskRuns: T.Array(TaskRunSchema) }),
]);

export const LogLineSchema = T.Object({
  executionId: T.String(),
  taskRunId: T.Union([T.String(), T.Null()]),
  taskId: T.Union([T.String(), T.Null()]),
  attempt: T.Union([T.Integer(), T.Null()]),
  level: LogLevelName,
  message: T.String(),
  timestamp: T.String(),
});

/** `GET /stats/executions`: executions over time by state. */
export const StatsSchema = T.Object({
  from: T.String({ format: 'date-time' }),
  to: T.String({ format: 'date-time' }),
  interval: T.Union([T.Literal('minute'), T.Literal('hour'), T.Literal('day')]),
  buckets: T.Array(
    T.Object({
      start: T.String({ format: 'date-time', description: 'Start of the bucket (UTC)' }),
      counts: T.Record(StateName, T.Integer(), { description: 'Executions by current state' }),
    }),
    { description: 'Oldest first; buckets without executions are left out' },
  ),
});

/** `GET /info`: the hub, and the URLs agents can take as `--hub`, preferred first. */
export const InfoSchema = T.Object({
  version: T.String({ description: "The hub's version" }),
  agentUrls: T.Array(T.String(), {
    description:
      "URLs an agent can be given as `--hub`, the preferred first: the broker's TLS listeners (mqtts://, wss://) before plain ones. A listener bound to every interface is named by the host this request was sent to. With an external broker (`--broker`), its URL without credentials.",
  }),
});

/** Schemas the OpenAPI document names under `components.schemas` and refers to. */
export const NAMED_SCHEMAS: Readonly<Record<string, TSchema>> = {
  Error: ErrorBodySchema,
  Problem: ProblemSchema,
  Flow: FlowRecordSchema,
  FlowWithTriggers: FlowWithTriggersSchema,
  FlowTrigger: FlowTriggerSchema,
  FlowRevision: FlowRevisionSchema,
  Execution: ExecutionSchema,
  ExecutionWithTaskRuns: ExecutionWithTaskRunsSchema,
  TaskRun: TaskRunSchema,
  LogLine: LogLineSchema,
  Agent: AgentSchema,
  TokenInfo: TokenInfoSchema,
  Rollout: RolloutSchema,
};

/** A problem of an invalid flow or request, with its place. */
export type Problem = Static<typeof ProblemSchema>;
/** A flow's latest revision. */
export type FlowRecord = Static<typeof FlowRecordSchema>;
/** One revision of a flow. */
export type FlowRevision = Static<typeof FlowRevisionSchema>;
/** One runtime of a trigger: the hub, or an agent that reported it. */
export type TriggerRuntimeState = Static<typeof TriggerRuntimeStateSchema>;
/** A trigger of a flow's revision with its runtimes. */
export type FlowTrigger = Static<typeof FlowTriggerSchema>;
/** A flow record with its triggers' state, as `GET /flows/{namespace}/{id}` answers. */
export type FlowWithTriggers = Static<typeof FlowWithTriggersSchema>;
/** An execution with its task runs, as `GET /executions/{id}` answers. */
export type ExecutionWithTaskRuns = Static<typeof ExecutionWithTaskRunsSchema>;
/** A registered agent. */
export type AgentRecord = Static<typeof AgentSchema>;
/** An API token's info. */
export type TokenInfo = Static<typeof TokenInfoSchema>;
/** Executions counted by start bucket and state. */
export type Stats = Static<typeof StatsSchema>;
/** What the hub is and where agents reach it. */
export type HubInfo = Static<typeof InfoSchema>;
