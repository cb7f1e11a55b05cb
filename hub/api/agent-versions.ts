/**
 * Agent version routes: bundles uploaded for agents to update themselves, which version an agent should
 * run, and the download an agent makes with its own token (docs/rollouts.md, "Agent versions").
 */
import { createHash } from 'node:crypto';
import { Type as T } from '@sinclair/typebox';
import { AgentVersionNameSchema } from '../../protocol/agent-update.js';
import { TernError } from '../../protocol/errors.js';
import type { FleetServices } from '../fleet/types.js';
import type { RouteTable } from './route.js';
import { AgentSchema, ErrorBodySchema, Id } from './schemas.js';
import type { HubServices } from './services.js';

/** The upload route's path below the API base: it has a body limit of its own (`agentBundleLimitBytes`). */
export const AGENT_VERSION_UPLOAD_PATH = /^\/api\/v1\/agent-versions\/[^/]+$/;

export const AgentVersionSchema = T.Object({
  version: AgentVersionNameSchema,
  sha256: T.String({ description: 'SHA-256 of the archive, hex, computed by the hub' }),
  size: T.Integer({ description: 'Bytes' }),
  createdAt: T.String({ format: 'date-time' }),
});

const VersionKey = T.Object({ version: AgentVersionNameSchema });
const AgentKey = T.Object({ id: T.String({ pattern: Id.pattern, maxLength: 256, description: 'Agent id' }) });
const BEARER = /^Bearer\s+(\S+)\s*$/i;

const ARCHIVE =
  "An agent version is the device bundle as a gzip-compressed tar archive with its files at the top level (`npm run build:agent -- --version V` writes `dist/tern-agent-V.tar.gz`). The hub computes its SHA-256; every desired state that names it carries that digest and the hub's Ed25519 signature of it, and the agent checks both before it swaps.";

/** Registers `/agent-versions` and the agent-facing routes. */
export function agentVersionRoutes(table: RouteTable, services: HubServices & FleetServices): void {
  const { agentVersions, agents } = services.storage;

  table.add(
    {
      method: ['put', 'post'],
      path: '/agent-versions/:version',
      operationId: 'uploadAgentVersion',
      tag: 'agents',
      summary: 'Upload an agent version',
      description: `The body is the archive (\`application/octet-stream\`). A version is never replaced: upload a fixed build under a new name. ${ARCHIVE}`,
      params: VersionKey,
      body: { raw: true, description: 'The bundle archive (.tar.gz)' },
      responses: {
        201: { description: 'Stored', schema: AgentVersionSchema },
        400: { description: 'An empty body, or not a gzip archive', schema: ErrorBodySchema },
        409: { description: 'That version exists', schema: ErrorBodySchema },
        413: { description: 'Over the hub’s bundle size limit', schema: ErrorBodySchema },
      },
    },
    async (c, { params: { version } }) => {
      const content = Buffer.from(await c.req.arrayBuffer());
      if (content.length === 0)
        throw new TernError('BAD_REQUEST', 'the body is empty: send the bundle archive');
      if (content[0] !== 0x1f || content[1] !== 0x8b)
        throw new TernError('BAD_REQUEST', 'the body is not a gzip archive (.tar.gz) of the agent bundle');
      const sha256 = createHash('sha256').update(content).digest('hex');
      if (!(await agentVersions.add({ version, sha256, size: content.length }, content)))
        throw new TernError('CONFLICT', `agent version ${version} exists; versions are never replaced`);
      return c.json(await agentVersions.get(version), 201);
    },
  );

  table.add(
    {
      method: 'get',
      path: '/agent-versions',
      operationId: 'listAgentVersions',
      tag: 'agents',
      summary: 'List agent versions',
      description: ARCHIVE,
      responses: { 200: { description: 'Every version, newest first', schema: T.Array(AgentVersionSchema) } },
    },
    async (c) => c.json(await agentVersions.list()),
  );

  table.add(
    {
      method: 'put',
      path: '/agents/:id/version',
      operationId: 'setAgentVersion',
      tag: 'agents',
      summary: 'Set the agent version an agent runs',
      description:
        "The agent's next desired state names the version; the agent downloads it, checks its size, SHA-256 and the hub's signature, swaps it in and restarts; the new version confirms once connected and in sync, or the device restores the previous one. `version: null` asks for nothing (the agent keeps what it runs). `status.update` of the agent tells what came of it. The agent must be run by the launcher (docs/device-install.md).",
      params: AgentKey,
      body: {
        json: T.Object(
          { version: T.Union([AgentVersionNameSchema, T.Null()]) },
          { additionalProperties: false },
        ),
      },
      responses: {
        200: { description: 'The agent', schema: AgentSchema },
        404: { description: 'No such agent or version', schema: ErrorBodySchema },
        409: {
          description: 'The agent is decommissioned, or the hub runs no fleet',
          schema: ErrorBodySchema,
        },
      },
    },
    async (c, { params, body }) => {
      if (body.kind !== 'json') throw new TernError('BAD_REQUEST', 'send {"version": …} as JSON');
      const { version } = body.value;
      const agent = await agents.get(params.id);
      if (!agent) throw new TernError('NOT_FOUND', `no agent ${params.id}`);
      if (agent.decommissioned) throw new TernError('CONFLICT', `agent ${params.id} is decommissioned`);
      if (version !== null && !(await agentVersions.get(version)))
        throw new TernError('NOT_FOUND', `no agent version ${version}: upload it first`);
      if (!services.fleet) throw new TernError('CONFLICT', 'this hub runs no fleet');
      await services.fleet.setAgentVersion(params.id, version);
      return c.json((await agents.get(params.id)) ?? agent);
    },
  );

  table.add(
    {
      method: 'get',
      path: '/agents/:id/bundles/:version',
      operationId: 'downloadAgentBundle',
      tag: 'agents',
      summary: "An agent downloads a version's archive",
      description:
        "For the agent itself: `Authorization: Bearer <the agent's token>` (its broker password), not an API token.",
      auth: false,
      params: T.Object({ ...AgentKey.properties, ...VersionKey.properties }),
      responses: {
        200: { description: 'The archive', mediaType: 'application/octet-stream' },
        401: { description: "Not this agent's token", schema: ErrorBodySchema },
        404: { description: 'No such version', schema: ErrorBodySchema },
      },
    },
    async (c, { params }) => {
      const token = BEARER.exec(c.req.header('authorization') ?? '')?.[1];
      if (!token || !(await agents.verifyCredentials(params.id, token))) {
        c.header('WWW-Authenticate', 'Bearer');
        throw new TernError('UNAUTHORIZED', `send agent ${params.id}'s token as a bearer token`);
      }
      const content = await agentVersions.content(params.version);
      if (!content) throw new TernError('NOT_FOUND', `no agent version ${params.version}`);
      return c.body(new Uint8Array(content), 200, {
        'content-type': 'application/octet-stream',
        'content-length': String(content.length),
      });
    },
  );
}
