/** Agent routes: pre-register, list, read, relabel, re-key and decommission the fleet's agents. */
import { Type as T } from '@sinclair/typebox';
import { TernError } from '../../protocol/errors.js';
import type { FleetServices } from '../fleet/types.js';
import type { RouteTable } from './route.js';
import {
  AgentSchema,
  ErrorBodySchema,
  Id,
  LabelQuery,
  Labels,
  labelFilter,
  Page,
  PageQuery,
} from './schemas.js';
import type { HubServices } from './services.js';

const AgentKey = T.Object({ id: T.String({ pattern: Id.pattern, maxLength: 256, description: 'Agent id' }) });
const notFound = (id: string) => new TernError('NOT_FOUND', `no agent ${id}`);

/** Registers the agent routes. With a fleet, each change is published to the agent concerned before the answer. */
export function agentRoutes(table: RouteTable, services: HubServices & FleetServices): void {
  const { agents } = services.storage;
  const { fleet } = services;

  table.add(
    {
      method: 'get',
      path: '/agents',
      operationId: 'listAgents',
      tag: 'agents',
      summary: 'List agents',
      description:
        "`status` holds what the fleet knows: `desired` and `applied` revisions, `drift` (true while they differ), the agent's `outbox`, `load` and `footprint` (resident memory, heap used and its limit, event loop delay p99 in ms, and `readyMs`: process start to connected with its flows applied), the answers to its latest `commands`, and, for agents the hub updates, `targetVersion` (the version asked for, `PUT /agents/{id}/version`) and `update` (what became of its last update: `refused`, `swapped`, `confirmed` or `rolled_back`, with the reason).",
      query: T.Object({ labels: LabelQuery, ...PageQuery }),
      responses: { 200: { description: 'A page of agents', schema: Page(AgentSchema) } },
    },
    async (c, { query }) => {
      const labels = labelFilter(query.labels);
      return c.json(
        await agents.list({ cursor: query.cursor, limit: query.limit, ...(labels && { labels }) }),
      );
    },
  );

  table.add(
    {
      method: 'post',
      path: '/agents',
      operationId: 'registerAgent',
      tag: 'agents',
      summary: 'Pre-register an agent',
      description:
        "Creates the agent and returns its broker credential, shown only in this response, and the hub's public signing key (`hubKey`): give both to the agent (`tern agent --token … --hub-key …`), which then refuses any desired state not signed by the hub. A live agent with the same id is a 409; a decommissioned one is registered again with a new credential. A Mosquitto whose logins the hub manages (`--broker-admin`) gets the credential as the agent's password before the answer, or, when out of reach, as soon as it is back.",
      body: {
        json: T.Object(
          { id: AgentKey.properties.id, labels: T.Optional(Labels) },
          { additionalProperties: false },
        ),
      },
      responses: {
        201: {
          description: 'The agent and its token',
          schema: T.Object({
            agent: AgentSchema,
            token: T.String(),
            hubKey: T.Optional(
              T.String({
                description: "The hub's Ed25519 public key (base64url) that signs the agent's desired state",
              }),
            ),
          }),
        },
        409: { description: 'The agent exists', schema: ErrorBodySchema },
      },
    },
    async (c, { body }) => {
      if (body.kind !== 'json') throw new TernError('BAD_REQUEST', 'send the agent as JSON');
      const existing = await agents.get(body.value.id);
      if (existing && !existing.decommissioned)
        throw new TernError('CONFLICT', `agent ${body.value.id} already exists`);
      const { agent, token } = await agents.register(body.value.id, body.value.labels ?? {});
      await services.brokerLogins?.agentRegistered(agent.id, token);
      await fleet?.agentRegistered(agent.id);
      const hubKey = services.signing?.current;
      return c.json({ agent: (await agents.get(agent.id)) ?? agent, token, ...(hubKey && { hubKey }) }, 201);
    },
  );

  table.add(
    {
      method: 'get',
      path: '/agents/:id',
      operationId: 'getAgent',
      tag: 'agents',
      summary: 'Get an agent',
      params: AgentKey,
      responses: {
        200: { description: 'The agent', schema: AgentSchema },
        404: { description: 'No such agent', schema: ErrorBodySchema },
      },
    },
    async (c, { params }) => {
      const agent = await agents.get(params.id);
      if (!agent) throw notFound(params.id);
      return c.json(agent);
    },
  );

  table.add(
    {
      method: 'patch',
      path: '/agents/:id',
      operationId: 'updateAgent',
      tag: 'agents',
      summary: "Replace an agent's labels",
      params: AgentKey,
      body: { json: T.Object({ labels: Labels }, { additionalProperties: false }) },
      responses: {
        200: { description: 'The agent', schema: AgentSchema },
        404: { description: 'No such agent', schema: ErrorBodySchema },
      },
    },
    async (c, { params, body }) => {
      if (body.kind !== 'json') throw new TernError('BAD_REQUEST', 'send the labels as JSON');
      const agent = await agents.setLabels(params.id, body.value.labels);
      if (!agent) throw notFound(params.id);
      if (!fleet) return c.json(agent);
      await fleet.agentLabelsChanged(agent.id);
      return c.json((await agents.get(agent.id)) ?? agent);
    },
  );

  table.add(
    {
      method: 'post',
      path: '/agents/:id/token',
      operationId: 'rotateAgentToken',
      tag: 'agents',
      summary: "Replace a live agent's token",
      description:
        "Gives the agent a new broker credential, shown only in this response, and invalidates the old one at once: the embedded broker refuses it from the next login and ends the sessions opened with it (the agent keeps its flows, and logs in again once given the new token: `tern agent --token …`). A Mosquitto whose logins the hub manages (`--broker-admin`) gets the new credential as the agent's password before the answer, and then ends the agent's sessions; when out of reach, it gets it as soon as it is back, and until then takes the old one. An EMQX or VerneMQ that asks the hub (`/broker/…`) refuses the old token at its next login. A decommissioned agent is a 409: register it again.",
      params: AgentKey,
      responses: {
        200: { description: 'The new token', schema: T.Object({ token: T.String() }) },
        404: { description: 'No such agent', schema: ErrorBodySchema },
        409: { description: 'The agent is decommissioned', schema: ErrorBodySchema },
      },
    },
    async (c, { params }) => {
      const token = await agents.rotateToken(params.id);
      if (token === undefined) {
        if (!(await agents.get(params.id))) throw notFound(params.id);
        throw new TernError('CONFLICT', `agent ${params.id} is decommissioned: register it again`);
      }
      fleet?.agentTokenRotated(params.id);
      await services.brokerLogins?.agentRegistered(params.id, token);
      return c.json({ token });
    },
  );

  table.add(
    {
      method: 'delete',
      path: '/agents/:id',
      operationId: 'decommissionAgent',
      tag: 'agents',
      summary: 'Decommission an agent',
      description:
        "Invalidates its credentials and, on the embedded broker, ends its MQTT sessions at once, each told `decommissioned` first (the agent then drops its flows); its history stays. With an external broker `decommissioned` is published, and: a Mosquitto whose logins the hub manages (`--broker-admin`) loses the agent's login and ends its sessions at once; an EMQX or VerneMQ that asks the hub (`/broker/…`) refuses its next login, publish and subscribe; any other broker's operator removes the login (docs/mosquitto.md).",
      params: AgentKey,
      responses: {
        204: { description: 'Decommissioned' },
        404: { description: 'No such agent', schema: ErrorBodySchema },
      },
    },
    async (c, { params }) => {
      if (!(await agents.decommission(params.id))) throw notFound(params.id);
      await services.brokerLogins?.agentDecommissioned(params.id);
      await fleet?.agentDecommissioned(params.id);
      return c.body(null, 204);
    },
  );
}
