/** Rollout routes: list, read and start rollouts (flow revisions, sets of them, label changes, agent versions), and approve, pause, resume or roll one back. */
import { type Static, Type as T } from '@sinclair/typebox';
import { AgentVersionNameSchema } from '../../protocol/agent-update.js';
import { TernError } from '../../protocol/errors.js';
import { RolloutOptionsSchema } from '../../protocol/rollout.js';
import type { RolloutServices } from '../rollouts/types.js';
import { RolloutSchema, RolloutStatusSchema } from '../store/rollout-records.js';
import type { RouteTable } from './route.js';
import { ErrorBodySchema, Id, Labels, Page, PageQuery, Revision } from './schemas.js';
import type { HubServices } from './services.js';

const RolloutKey = T.Object({
  id: T.String({ pattern: Id.pattern, maxLength: 256, description: 'Rollout id' }),
});
const Conflict = {
  description: 'The rollout is not in a status this applies to, or no longer decides its flow',
  schema: ErrorBodySchema,
};
const NotFound = { description: 'No such rollout', schema: ErrorBodySchema };

const FlowRolloutBody = T.Object(
  {
    namespace: Id,
    flowId: Id,
    revision: T.Optional({ ...Revision, description: "Default: the flow's latest revision" }),
    options: T.Optional(RolloutOptionsSchema),
  },
  { additionalProperties: false },
);
const AgentVersionRolloutBody = T.Object(
  {
    agentVersion: AgentVersionNameSchema,
    labels: T.Optional({ ...Labels, description: 'Only the agents with every label given' }),
    options: T.Optional(RolloutOptionsSchema),
  },
  { additionalProperties: false },
);
const FlowSetRolloutBody = T.Object(
  {
    flows: T.Array(
      T.Object(
        {
          namespace: Id,
          flowId: Id,
          revision: T.Optional({ ...Revision, description: "Default: the flow's latest revision" }),
        },
        { additionalProperties: false },
      ),
      { minItems: 1, maxItems: 1000, description: 'The flows rolled out together' },
    ),
    options: T.Optional(RolloutOptionsSchema),
  },
  { additionalProperties: false },
);
const LabelRolloutBody = T.Object(
  {
    labels: T.Object(
      {
        set: T.Optional({ ...Labels, description: 'Labels added or changed' }),
        remove: T.Optional(T.Array(T.String({ minLength: 1, maxLength: 256 }), { maxItems: 256 })),
      },
      { additionalProperties: false, description: "The change of each agent's labels" },
    ),
    agents: T.Optional({ ...Labels, description: 'Only the agents with every label given' }),
    options: T.Optional(RolloutOptionsSchema),
  },
  { additionalProperties: false },
);
/** Chooses the shape by the field only it has (JSON Schema's if/then/else). */
const byField = (field: string, then: object, otherwise: object) => ({
  if: { type: 'object', properties: { [field]: {} }, required: [field] },
  then,
  else: otherwise,
});
/**
 * A flow revision; with `agentVersion` an agent version, with `flows` a set, with `labels` a label
 * change: chosen by that field (not `anyOf`), so a bad body is told what is wrong with the shape it
 * has, not with all of them.
 */
const CreateRolloutBody = T.Unsafe<
  | Static<typeof FlowRolloutBody>
  | Static<typeof AgentVersionRolloutBody>
  | Static<typeof FlowSetRolloutBody>
  | Static<typeof LabelRolloutBody>
>(
  byField(
    'agentVersion',
    AgentVersionRolloutBody,
    byField('flows', FlowSetRolloutBody, byField('labels', LabelRolloutBody, FlowRolloutBody)),
  ),
);

/** Registers the rollout routes; without rollouts (a hub with no fleet) the changes answer 404. */
export function rolloutRoutes(table: RouteTable, services: HubServices & RolloutServices): void {
  const store = services.storage.rollouts;
  const control = () => {
    if (!services.rollouts) throw new TernError('NOT_FOUND', 'this hub runs no rollouts');
    return services.rollouts;
  };

  table.add(
    {
      method: 'get',
      path: '/rollouts',
      operationId: 'listRollouts',
      tag: 'rollouts',
      summary: 'List rollouts',
      description: 'Newest first, optionally of one flow or in one status.',
      query: T.Object({
        namespace: T.Optional(Id),
        flowId: T.Optional(Id),
        status: T.Optional(RolloutStatusSchema),
        ...PageQuery,
      }),
      responses: { 200: { description: 'A page of rollouts', schema: Page(RolloutSchema) } },
    },
    async (c, { query }) => c.json(await store.list(query)),
  );

  table.add(
    {
      method: 'post',
      path: '/rollouts',
      operationId: 'createRollout',
      tag: 'rollouts',
      summary: 'Start a rollout of a flow revision, a set of them, a label change or an agent version',
      description:
        "A set of flow revisions (`flows`, as `tern deploy --rollout` sends): each stage's agents get every revision of the set together, the gates look at all of them, and a rollback gives each agent each flow's previous revision; it takes each flow over from a rollout deciding it (a held one included). A label change (`labels: {set, remove}`, on the agents with every label of `agents`): each stage's agents get the change, and so the flows their `runsOn` now selects; a rollback sets each agent's labels back. Or a flow revision (`namespace`, `flowId`, `revision`): rolled out to the agents it runs on, stage by stage (docs/rollouts.md); `options` default to the revision's own `rollout:`; agents not reached yet keep the revision they run; a rollout started earlier for the flow is cancelled. Or an agent version (`agentVersion`, uploaded with `PUT /agent-versions/{version}`): set on every agent (with `labels`, only those with every label given) stage by stage; an agent has applied it once it reports running it, confirmed; an agent that refused it or restored its previous version fails the gates; a rollback sets each agent's previous version back, so that version must be on the hub too. A rollout of an agent version started earlier is cancelled.",
      body: {
        json: CreateRolloutBody,
      },
      responses: {
        201: { description: 'The rollout, started', schema: RolloutSchema },
        404: { description: 'No such flow, live revision or agent version', schema: ErrorBodySchema },
        409: {
          description:
            'A revision runs on the hub, or on no agent; no agent to update; or a version agents run is not on the hub',
          schema: ErrorBodySchema,
        },
      },
    },
    async (c, { body }) => {
      if (body.kind !== 'json') throw new TernError('BAD_REQUEST', 'send the rollout as JSON');
      return c.json(await control().create(body.value), 201);
    },
  );

  table.add(
    {
      method: 'get',
      path: '/rollouts/:id',
      operationId: 'getRollout',
      tag: 'rollouts',
      summary: 'Read a rollout',
      description: 'Its stages with their gate figures, and the state of each agent.',
      params: RolloutKey,
      responses: { 200: { description: 'The rollout', schema: RolloutSchema }, 404: NotFound },
    },
    async (c, { params }) => {
      const rollout = await store.get(params.id);
      if (!rollout) throw new TernError('NOT_FOUND', `no rollout ${params.id}`);
      return c.json(rollout);
    },
  );

  const actions = [
    [
      'approve',
      'approveRollout',
      'Start the next stage',
      'After a stage passed, while the rollout is WAITING (an approval, or a pause not yet over).',
    ],
    [
      'pause',
      'pauseRollout',
      'Pause a rollout',
      'Holds a RUNNING or WAITING rollout: no gate is evaluated and no stage starts; agents keep what they have.',
    ],
    ['resume', 'resumeRollout', 'Resume a paused rollout', 'Goes back to the status it was paused in.'],
    [
      'rollback',
      'rollbackRollout',
      'Roll a rollout back',
      'Every agent it reached gets its previous revision back through its desired state; agents offline get it when they return. Also after the rollout succeeded, as long as the flow was not saved since.',
    ],
  ] as const;
  for (const [action, operationId, summary, description] of actions) {
    table.add(
      {
        method: 'post',
        path: `/rollouts/:id/${action}`,
        operationId,
        tag: 'rollouts',
        summary,
        description,
        params: RolloutKey,
        responses: {
          200: { description: 'The rollout', schema: RolloutSchema },
          404: NotFound,
          409: Conflict,
        },
      },
      async (c, { params }) => c.json(await control()[action](params.id)),
    );
  }
}
