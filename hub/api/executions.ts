/** Execution routes: start, list, read, logs, kill, restart and replay. Following one live is in `follow.ts`. */
import { Type as T } from '@sinclair/typebox';
import { TernError } from '../../protocol/errors.js';
import type { Execution } from '../../protocol/execution.js';
import type { FleetControl, FleetServices } from '../fleet/types.js';
import { fileInputProblems } from './file-inputs.js';
import { unlessRevoked } from './revocations.js';
import type { RouteTable } from './route.js';
import {
  ErrorBodySchema,
  ExecutionIdParams,
  ExecutionSchema,
  ExecutionWithTaskRunsSchema,
  Id,
  LabelQuery,
  LogLevelName,
  LogLineSchema,
  labelFilter,
  Namespace,
  Page,
  PageQuery,
  StateName,
} from './schemas.js';
import type { HubServices } from './services.js';
import { formInputs } from './uploads.js';
import { rejectProblems } from './validation.js';

const notFound = (id: string) => new TernError('NOT_FOUND', `no execution ${id}`);
const NO_UPLOADS: ReadonlySet<string> = new Set();
/** A reviewer's decision on a paused approval. */
const ReviewBodySchema = T.Object(
  {
    decision: T.Union([T.Literal('APPROVED'), T.Literal('DENIED')]),
    comment: T.Optional(T.String({ maxLength: 10_000 })),
    taskRunId: T.Optional(T.String({ description: 'The approval task run, when several are paused' })),
    inputs: T.Optional(
      T.Record(T.String(), T.Unknown(), { description: "Values for the approval's inputs" }),
    ),
  },
  { additionalProperties: false },
);

const Problem422 = {
  description: 'Invalid inputs: INVALID_INPUT, every problem listed',
  schema: ErrorBodySchema,
};

const SentCommandSchema = T.Object({
  agentId: T.String(),
  commandId: T.String(),
  executionId: T.Optional(T.String()),
});
const Sent202 = {
  description: 'An execution run by an agent: the command was sent to it; its answer arrives with its events',
  schema: SentCommandSchema,
};

/** Registers the execution routes (actions on one execution first: `/executions/:id/kill` must win over `/executions/:namespace/:flowId`). */
export function executionRoutes(table: RouteTable, services: HubServices & FleetServices): void {
  const { executions } = services;
  const store = services.storage.executions;
  const existing = async (id: string): Promise<Execution> => {
    const found = await store.get(id);
    if (!found) throw notFound(id);
    return found.execution;
  };
  const fleet = (): FleetControl => {
    if (!services.fleet) throw new TernError('CONFLICT', 'this hub runs no fleet: agents cannot be reached');
    return services.fleet;
  };
  /** The stored execution when an agent ran it (commands go to that agent), else undefined. */
  const onAgent = async (id: string): Promise<Execution | undefined> => {
    const found = await store.get(id);
    return found && found.execution.agentId !== null ? found.execution : undefined;
  };

  table.add(
    {
      method: 'post',
      path: '/executions/:id/kill',
      operationId: 'killExecution',
      tag: 'executions',
      summary: 'Kill a running execution',
      params: ExecutionIdParams,
      responses: {
        202: {
          description:
            'The kill was requested; follow the execution to see it end KILLED. For an execution run by an agent, the command sent to it.',
          schema: SentCommandSchema,
        },
        404: { description: 'No such execution', schema: ErrorBodySchema },
        409: { description: 'The execution is not running on the hub', schema: ErrorBodySchema },
      },
    },
    async (c, { params }) => {
      if (await executions.kill(params.id)) return c.body(null, 202);
      const agentRun = await onAgent(params.id);
      if (agentRun) return c.json(await fleet().command(agentRun, 'kill'), 202);
      const execution = await existing(params.id);
      throw new TernError(
        'CONFLICT',
        `execution ${params.id} is not running on the hub (state ${execution.state})`,
      );
    },
  );

  table.add(
    {
      method: 'post',
      path: '/executions/:id/resume',
      operationId: 'resumeExecution',
      tag: 'executions',
      summary: 'Resume a paused execution',
      description:
        "Wakes the execution's tasks paused until resumed (a Pause without `pauseDuration`, or before it runs out). The body gives the `onResume` inputs the paused tasks declare, checked as flow inputs are; the Pause task exposes them as `outputs.<id>.onResume`.",
      params: ExecutionIdParams,
      body: {
        required: false,
        json: T.Record(T.String(), T.Unknown(), { description: 'onResume inputs by id' }),
        form: T.Record(T.String(), T.String(), { description: 'onResume inputs by id' }),
      },
      responses: {
        202: {
          description:
            'Resumed; follow the execution to see it go on. For an execution run by an agent, the command sent to it (the agent checks the inputs and answers with its events)',
          schema: SentCommandSchema,
        },
        404: { description: 'No such execution', schema: ErrorBodySchema },
        409: {
          description: 'The execution is not paused, or not running on the hub',
          schema: ErrorBodySchema,
        },
        422: Problem422,
      },
    },
    async (c, { params, body }) => {
      const inputs =
        body.kind === 'json'
          ? body.value
          : body.kind === 'form'
            ? Object.fromEntries(Object.entries(body.fields).filter(([, v]) => typeof v === 'string'))
            : {};
      if (await executions.resume(params.id, inputs)) return c.body(null, 202);
      const agentRun = await onAgent(params.id);
      if (agentRun) return c.json(await fleet().command(agentRun, 'resume', undefined, inputs), 202);
      const execution = await existing(params.id);
      const where = execution.agentId !== null ? `on agent ${execution.agentId}` : 'not running on the hub';
      throw new TernError(
        'CONFLICT',
        `execution ${params.id} cannot be resumed here: it is ${execution.state}, ${where}`,
      );
    },
  );

  table.add(
    {
      method: 'post',
      path: '/executions/:id/review',
      operationId: 'reviewExecution',
      tag: 'executions',
      summary: 'Approve or deny a paused approval',
      description:
        "Decides a paused Approval task (Kestra's review): `onApprove` or `onDeny` runs, then its behavior applies. `taskRunId` names the approval when several are paused. `comment` is required when the approval's `commentRequired` says so; `inputs` are checked against its `inputs` as flow inputs are. The caller's token name is kept as `outputs.<id>.by`.",
      params: ExecutionIdParams,
      body: { required: true, json: ReviewBodySchema },
      responses: {
        202: { description: 'Decided; follow the execution to see it go on' },
        404: { description: 'No such execution', schema: ErrorBodySchema },
        409: {
          description:
            'No such approval is paused, several are and none is named, or the execution is not running on the hub',
          schema: ErrorBodySchema,
        },
        422: Problem422,
      },
    },
    async (c, { params, body }) => {
      const review = body.kind === 'json' ? body.value : undefined;
      if (!review) throw new TernError('BAD_REQUEST', 'a JSON body with the decision is required');
      const by = c.get('token')?.name;
      if (await executions.review(params.id, by === undefined ? review : { ...review, by }))
        return c.body(null, 202);
      const execution = await existing(params.id);
      const where = execution.agentId !== null ? `on agent ${execution.agentId}` : 'not running on the hub';
      throw new TernError(
        'CONFLICT',
        `execution ${params.id} cannot be reviewed here: it is ${execution.state}, ${where}`,
      );
    },
  );

  table.add(
    {
      method: 'post',
      path: '/executions/:id/restart',
      operationId: 'restartExecution',
      tag: 'executions',
      summary: 'Restart the failed task runs of an ended execution',
      description: 'Runs the failed tasks again in the same execution.',
      params: ExecutionIdParams,
      responses: {
        200: { description: 'The execution, running again', schema: ExecutionSchema },
        202: Sent202,
        404: { description: 'No such execution', schema: ErrorBodySchema },
        409: {
          description: 'Not ended, nothing failed, or its inputs held secrets (never stored)',
          schema: ErrorBodySchema,
        },
      },
    },
    async (c, { params }) => {
      const agentRun = await onAgent(params.id);
      if (agentRun) return c.json(await fleet().command(agentRun, 'restart'), 202);
      return c.json(await executions.restart(params.id));
    },
  );

  table.add(
    {
      method: 'post',
      path: '/executions/:id/replay',
      operationId: 'replayExecution',
      tag: 'executions',
      summary: 'Replay an execution',
      description:
        'A new execution of the same flow revision and inputs, from `taskId` (default: the start); its `originalId` names this one.',
      params: ExecutionIdParams,
      body: {
        required: false,
        json: T.Object({ taskId: T.Optional(Id) }, { additionalProperties: false }),
      },
      responses: {
        201: { description: 'The new execution', schema: ExecutionSchema },
        202: Sent202,
        404: { description: 'No such execution', schema: ErrorBodySchema },
        409: {
          description: 'The execution has not ended, or its inputs held secrets (never stored)',
          schema: ErrorBodySchema,
        },
      },
    },
    async (c, { params, body }) => {
      const taskId = body.kind === 'json' ? body.value.taskId : undefined;
      const agentRun = await onAgent(params.id);
      if (agentRun) return c.json(await fleet().command(agentRun, 'replay', taskId), 202);
      return c.json(await executions.replay(params.id, taskId), 201);
    },
  );

  table.add(
    {
      method: 'post',
      path: '/executions/:namespace/:flowId',
      operationId: 'startExecution',
      tag: 'executions',
      summary: 'Start an execution of a hub flow, or on agents',
      description:
        'Inputs as a JSON object, or as `multipart/form-data` fields (a file field becomes the path of a FILE input). With `wait=true` the answer comes when the execution has ended (401 if the token is revoked meanwhile; the execution goes on). Invalid inputs create no execution. A flow whose id is `kill`, `resume`, `restart` or `replay` cannot be started through this path. With `agent`, a flow that runs on agents is started there: the hub names each execution and sends a `run` command (202); the agent checks the inputs.',
      params: T.Object({ namespace: Namespace, flowId: Id }),
      query: T.Object({
        wait: T.Optional(T.Boolean({ default: false, description: 'Answer when the execution has ended' })),
        labels: LabelQuery,
        agent: T.Optional(
          T.String({
            pattern: `^(\\*|${Id.pattern!.slice(1, -1)})$`,
            description: "Agent id, or '*' for every agent the flow is assigned to",
          }),
        ),
      }),
      body: {
        required: false,
        json: T.Record(T.String(), T.Unknown(), {
          description:
            'Inputs by id; a FILE input takes a `tern:///` storage URI (or upload the file as multipart)',
        }),
        form: T.Record(T.String(), T.String(), { description: 'Inputs by id; files for FILE inputs' }),
      },
      responses: {
        201: { description: 'The execution (ended, with `wait=true`)', schema: ExecutionSchema },
        202: {
          description: 'With `agent`: the executions the agents were told to run',
          schema: T.Object({ executionIds: T.Array(T.String()), commands: T.Array(SentCommandSchema) }),
        },
        400: {
          description: 'A FILE input given as a path or URL rather than an uploaded file or a storage URI',
          schema: ErrorBodySchema,
        },
        404: { description: 'No such flow (or, with `agent`, no such agent)', schema: ErrorBodySchema },
        409: { description: 'The flow does not run on the hub, or is disabled', schema: ErrorBodySchema },
        422: Problem422,
      },
    },
    async (c, { params, query, body }) => {
      const labels = labelFilter(query.labels);
      const declared = (await services.storage.flows.get(params.namespace, params.flowId))?.flow.inputs;
      if (query.agent !== undefined) {
        if (query.wait) throw new TernError('BAD_REQUEST', 'wait=true is not supported with agent');
        if (body.kind === 'form')
          throw new TernError('BAD_REQUEST', 'send the inputs of an agent run as JSON');
        const inputs = body.kind === 'json' ? body.value : undefined;
        rejectProblems(fileInputProblems(declared, inputs ?? {}, NO_UPLOADS));
        const commands = await fleet().run(params.namespace, params.flowId, query.agent, {
          ...(inputs !== undefined && { inputs }),
          ...(labels && { labels }),
        });
        return c.json({ executionIds: commands.map((s) => s.executionId!), commands }, 202);
      }
      const form = body.kind === 'form' ? await formInputs(body.fields) : undefined;
      const inputs = body.kind === 'json' ? body.value : (form?.inputs ?? {});
      let execution: Execution;
      try {
        rejectProblems(fileInputProblems(declared, inputs, form?.uploaded ?? NO_UPLOADS));
        execution = await executions.start(params.namespace, params.flowId, {
          inputs,
          ...(labels && { labels }),
        });
      } catch (err) {
        await form?.discard();
        throw err;
      }
      if (query.wait) execution = await unlessRevoked(c, executions.wait(execution.id));
      // Stored before its id is given: the client's next call may reach another hub replica.
      else await services.storage.executions.flush();
      return c.json(execution, 201);
    },
  );

  table.add(
    {
      method: 'get',
      path: '/executions',
      operationId: 'listExecutions',
      tag: 'executions',
      summary: 'List executions',
      description: 'Newest first.',
      query: T.Object({
        namespace: T.Optional(T.String()),
        flowId: T.Optional(T.String()),
        state: T.Optional(T.Array(StateName, { description: 'Repeat, or separate with commas' })),
        agent: T.Optional(T.String({ description: "Agent id, or 'hub'" })),
        labels: LabelQuery,
        from: T.Optional(T.String({ format: 'date-time', description: 'Started at or after' })),
        to: T.Optional(T.String({ format: 'date-time', description: 'Started before' })),
        ...PageQuery,
      }),
      commaLists: ['state'],
      responses: { 200: { description: 'A page of executions', schema: Page(ExecutionSchema) } },
    },
    async (c, { query }) => {
      const { labels, ...rest } = query;
      const filter = labelFilter(labels);
      return c.json(await store.list({ ...rest, ...(filter && { labels: filter }) }));
    },
  );

  table.add(
    {
      method: 'get',
      path: '/executions/:id',
      operationId: 'getExecution',
      tag: 'executions',
      summary: 'Get an execution with its task runs',
      params: ExecutionIdParams,
      responses: {
        200: { description: 'The execution', schema: ExecutionWithTaskRunsSchema },
        404: { description: 'No such execution', schema: ErrorBodySchema },
      },
    },
    async (c, { params }) => {
      const found = await store.get(params.id);
      if (!found) throw notFound(params.id);
      return c.json({ ...found.execution, taskRuns: found.taskRuns });
    },
  );

  table.add(
    {
      method: 'get',
      path: '/executions/:id/logs',
      operationId: 'getExecutionLogs',
      tag: 'executions',
      summary: 'Logs of an execution',
      description: 'Oldest first.',
      params: ExecutionIdParams,
      query: T.Object({
        level: T.Optional(LogLevelName),
        taskId: T.Optional(T.String()),
        taskRunId: T.Optional(T.String()),
        ...PageQuery,
      }),
      responses: {
        200: { description: 'A page of log lines', schema: Page(LogLineSchema) },
        404: { description: 'No such execution', schema: ErrorBodySchema },
      },
    },
    async (c, { params, query }) => {
      const page = await store.logs(params.id, query);
      // An empty page is also what an unknown id gives: only then is the extra lookup worth it.
      if (page.items.length === 0) await existing(params.id);
      return c.json(page);
    },
  );
}
