/**
 * The records the hub keeps and its API answers with, as TypeBox schemas: the store's row types and
 * the API's documented shapes (hub/api/schemas.ts) are both derived from these, so they cannot drift.
 * Types only from protocol/, so the web UI can import the derived types too.
 */
import { type Static, Type as T } from '@sinclair/typebox';
import type { Flow } from '../../protocol/flow.js';

export const Labels = T.Record(T.String(), T.String(), { description: 'String labels' });
/** Any JSON object. */
export const JsonObject = T.Record(T.String(), T.Unknown());
const DateTime = T.String({ format: 'date-time' });

export const FlowRecordSchema = T.Object({
  namespace: T.String(),
  id: T.String(),
  revision: T.Integer(),
  // Exactly as submitted: YAML, or JSON re-serialised as YAML when submitted as JSON.
  source: T.String({ description: 'The flow YAML as submitted' }),
  // Documented as an object (its schema is /schemas/flow); typed as the parsed flow.
  flow: T.Unsafe<Flow>(
    T.Record(T.String(), T.Unknown(), { description: 'The parsed flow (see /schemas/flow)' }),
  ),
  deleted: T.Boolean(),
  createdAt: DateTime,
  updatedAt: DateTime,
});
/** The latest revision of a flow. */
export type FlowRecordRow = Static<typeof FlowRecordSchema>;

export const FlowRevisionSchema = T.Object({
  namespace: T.String(),
  id: T.String(),
  revision: T.Integer(),
  source: T.String(),
  deleted: T.Boolean(),
  createdAt: DateTime,
});
/** One revision of a flow, without its parsed form. */
export type FlowRevisionRow = Static<typeof FlowRevisionSchema>;

export const AgentSchema = T.Object({
  id: T.String(),
  labels: Labels,
  createdAt: T.String(),
  decommissioned: T.Boolean(),
  online: T.Boolean(),
  lastSeenAt: T.Union([T.String(), T.Null()]),
  version: T.Union([T.String(), T.Null()]),
  status: T.Record(T.String(), T.Unknown(), {
    description: 'Whatever the agent last reported (applied revisions, outbox depth, …)',
  }),
});
/** A registered agent and what it last reported. */
export type AgentRow = Static<typeof AgentSchema>;

export const TokenInfoSchema = T.Object({
  id: T.String(),
  name: T.String(),
  prefix: T.String({ description: 'First characters of the token' }),
  createdAt: T.String(),
  lastUsedAt: T.Union([T.String(), T.Null()]),
  revokedAt: T.Union([T.String(), T.Null()]),
});
/** An API token as lists show it: never its secret. */
export type ApiTokenInfo = Static<typeof TokenInfoSchema>;
