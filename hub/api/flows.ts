/** Flow routes: list, create, read (with its triggers' state), update, delete, revisions and validation. */
import { Type as T } from '@sinclair/typebox';
import { TernError } from '../../protocol/errors.js';
import type { FlowRecordRow } from '../store/types.js';
import { flowCheckerOf } from './flow-check.js';
import { acceptedFlow, flowNotFound } from './flow-source.js';
import { flowTriggerRoutes, withTriggers } from './flow-triggers.js';
import type { BodySpec, RouteTable } from './route.js';
import {
  ErrorBodySchema,
  FlowRecordSchema,
  FlowRevisionSchema,
  FlowWithTriggersSchema,
  Id,
  List,
  Namespace,
  Page,
  PageQuery,
  ProblemSchema,
  Revision,
} from './schemas.js';
import type { HubServices } from './services.js';

const FlowKey = T.Object({ namespace: Namespace, id: Id });
const FlowObject = T.Object(
  {},
  { additionalProperties: true, description: 'A flow as JSON (see /schemas/flow)' },
);

const flowBody: BodySpec<typeof FlowObject> = {
  description:
    'The flow as YAML (`application/x-yaml`, `application/yaml` or `text/yaml`), or as a JSON object, stored as its YAML serialisation.',
  json: FlowObject,
  yaml: true,
};

const invalid = {
  400: { description: 'Malformed YAML or JSON (with the line and column)', schema: ErrorBodySchema },
  422: {
    description: 'Not a valid flow: INVALID_FLOW, every problem with its line and column',
    schema: ErrorBodySchema,
  },
};

/** Registers the flow routes. */
export function flowRoutes(table: RouteTable, services: HubServices): void {
  const { flows } = services.storage;
  const changed = (row: FlowRecordRow) => services.onFlowChanged?.(row.namespace, row.id);

  table.add(
    {
      method: 'get',
      path: '/flows',
      operationId: 'listFlows',
      tag: 'flows',
      summary: 'List flows',
      description: 'The latest revision of each flow, ordered by namespace and id.',
      query: T.Object({
        namespace: T.Optional(
          T.String({ description: 'Namespace, parents included: `plant` matches `plant.line1`' }),
        ),
        q: T.Optional(
          T.String({ maxLength: 256, description: 'Case-insensitive text in id, namespace or description' }),
        ),
        includeDeleted: T.Optional(T.Boolean({ default: false })),
        ...PageQuery,
      }),
      responses: { 200: { description: 'A page of flows', schema: Page(FlowRecordSchema) } },
    },
    async (c, { query }) => c.json(await flows.list(query)),
  );

  table.add(
    {
      method: 'post',
      path: '/flows',
      operationId: 'createFlow',
      tag: 'flows',
      summary: 'Create a flow',
      description:
        'Creates revision 1 of a new flow (or a new revision of a deleted one). An existing flow is a 409: update it with PUT.',
      body: flowBody,
      responses: {
        201: { description: 'The created flow', schema: FlowRecordSchema },
        409: { description: 'A live flow with this namespace and id exists', schema: ErrorBodySchema },
        ...invalid,
      },
    },
    async (c, { body }) => {
      if (body.kind !== 'yaml' && body.kind !== 'json')
        throw new TernError('BAD_REQUEST', 'a flow body is required');
      const checked = await flowCheckerOf(services).check(body);
      const flow = acceptedFlow(checked);
      const { source } = checked;
      if (await flows.get(flow.namespace, flow.id)) {
        throw new TernError(
          'CONFLICT',
          `flow ${flow.namespace}.${flow.id} already exists; update it with PUT /flows/${flow.namespace}/${flow.id}`,
        );
      }
      const { row } = await flows.save(flow, source);
      changed(row);
      return c.json(row, 201);
    },
  );

  table.add(
    {
      method: 'post',
      path: '/flows/validate',
      operationId: 'validateFlow',
      tag: 'flows',
      summary: 'Validate a flow without storing it',
      description:
        'Always 200: `valid` says whether the flow could be stored; `problems` lists what is wrong, malformed YAML included.',
      body: flowBody,
      responses: {
        200: {
          description: 'The verdict',
          schema: T.Object({ valid: T.Boolean(), problems: T.Array(ProblemSchema) }),
        },
      },
    },
    async (c, { body }) => {
      if (body.kind !== 'yaml' && body.kind !== 'json')
        throw new TernError('BAD_REQUEST', 'a flow body is required');
      const { problems } = await flowCheckerOf(services).check(body);
      return c.json({ valid: problems.length === 0, problems });
    },
  );

  table.add(
    {
      method: 'get',
      path: '/flows/:namespace/:id',
      operationId: 'getFlow',
      tag: 'flows',
      summary: 'Get a flow',
      description:
        "The latest revision, with the state of each of its triggers on the hub and on every agent that reported running it (an offline agent's last report included).",
      params: FlowKey,
      query: T.Object({ includeDeleted: T.Optional(T.Boolean({ default: false })) }),
      responses: {
        200: { description: 'The latest revision and its triggers', schema: FlowWithTriggersSchema },
        404: { description: 'No such flow', schema: ErrorBodySchema },
      },
    },
    async (c, { params, query }) => {
      const row = await flows.get(params.namespace, params.id, query);
      if (!row) throw flowNotFound(params.namespace, params.id);
      return c.json(await withTriggers(row, services));
    },
  );

  table.add(
    {
      method: 'put',
      path: '/flows/:namespace/:id',
      operationId: 'putFlow',
      tag: 'flows',
      summary: 'Create or update a flow',
      description:
        'Stores the body as the flow at this path: 201 when the flow did not exist (or was deleted), 200 with a new revision when the source changed, 200 with the same revision when it did not. The `namespace` and `id` in the body must match the path. With `hold=true`, a new revision that runs on agents reaches none of them yet: it is held in a paused rollout until a rollout names it (`tern deploy --rollout`; docs/rollouts.md).',
      params: FlowKey,
      query: T.Object({
        hold: T.Optional(
          T.Boolean({
            default: false,
            description: 'Hold the new revision back from agents until a rollout names it',
          }),
        ),
      }),
      body: flowBody,
      responses: {
        200: { description: 'Updated (or unchanged)', schema: FlowRecordSchema },
        201: { description: 'Created', schema: FlowRecordSchema },
        ...invalid,
      },
    },
    async (c, { params, query, body }) => {
      if (body.kind !== 'yaml' && body.kind !== 'json')
        throw new TernError('BAD_REQUEST', 'a flow body is required');
      const checked = await flowCheckerOf(services).check(body);
      const flow = acceptedFlow(checked);
      const { source } = checked;
      if (flow.namespace !== params.namespace || flow.id !== params.id) {
        throw new TernError(
          'BAD_REQUEST',
          `the body is flow ${flow.namespace}.${flow.id} but the path names ${params.namespace}.${params.id}`,
          [
            {
              in: 'body',
              path: flow.namespace !== params.namespace ? 'namespace' : 'id',
              message: 'does not match the path',
            },
          ],
        );
      }
      const { row, outcome } = await flows.save(flow, source);
      if (outcome !== 'unchanged') services.onFlowChanged?.(row.namespace, row.id, query.hold === true);
      return c.json(row, outcome === 'created' ? 201 : 200);
    },
  );

  table.add(
    {
      method: 'delete',
      path: '/flows/:namespace/:id',
      operationId: 'deleteFlow',
      tag: 'flows',
      summary: 'Delete a flow',
      description: 'Soft delete: a deleted revision is recorded and the history stays readable.',
      params: FlowKey,
      responses: {
        204: { description: 'Deleted' },
        404: { description: 'No such live flow', schema: ErrorBodySchema },
      },
    },
    async (c, { params }) => {
      if (!(await flows.delete(params.namespace, params.id))) throw flowNotFound(params.namespace, params.id);
      services.onFlowChanged?.(params.namespace, params.id);
      return c.body(null, 204);
    },
  );

  table.add(
    {
      method: 'get',
      path: '/flows/:namespace/:id/revisions',
      operationId: 'listFlowRevisions',
      tag: 'flows',
      summary: 'List the revisions of a flow',
      description: 'Every revision, oldest first, deleted ones included.',
      params: FlowKey,
      responses: {
        200: { description: 'The revisions', schema: List(FlowRevisionSchema) },
        404: { description: 'No such flow', schema: ErrorBodySchema },
      },
    },
    async (c, { params }) => {
      const items = await flows.revisions(params.namespace, params.id);
      if (items.length === 0) throw flowNotFound(params.namespace, params.id);
      return c.json({ items });
    },
  );

  table.add(
    {
      method: 'get',
      path: '/flows/:namespace/:id/revisions/:revision',
      operationId: 'getFlowRevision',
      tag: 'flows',
      summary: 'Get one revision of a flow',
      params: T.Object({ namespace: Namespace, id: Id, revision: Revision }),
      responses: {
        200: { description: 'The revision', schema: FlowRevisionSchema },
        404: { description: 'No such flow or revision', schema: ErrorBodySchema },
      },
    },
    async (c, { params }) => {
      const row = await flows.getRevision(params.namespace, params.id, params.revision);
      if (!row)
        throw new TernError(
          'NOT_FOUND',
          `flow ${params.namespace}.${params.id} has no revision ${params.revision}`,
        );
      return c.json(row);
    },
  );

  flowTriggerRoutes(table, services);
}
