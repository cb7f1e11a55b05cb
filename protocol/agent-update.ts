/** An agent updating itself (docs/rollouts.md, "Agent versions"): the bundle a desired state names, and what the agent says of it. */
import { type Static, Type as T } from '@sinclair/typebox';
import { SignatureHeaderSchema } from './signature-header.js';

/** A version's name: also a folder name on the device (`versions/<version>/`), so no slash and no leading dot. */
export const AGENT_VERSION_PATTERN = '^[A-Za-z0-9][A-Za-z0-9._+-]{0,63}$';

export const AgentVersionNameSchema = T.String({
  pattern: AGENT_VERSION_PATTERN,
  description: 'An agent version, e.g. 1.4.0: letters, digits, `.`, `_`, `+`, `-`; at most 64',
});

/** The agent bundle a desired state asks the agent to run: which, its digest and the hub's signature of it. */
export const DesiredAgentSchema = T.Object({
  version: AgentVersionNameSchema,
  sha256: T.String({ pattern: '^[0-9a-f]{64}$', description: "SHA-256 of the bundle's archive, hex" }),
  size: T.Integer({ minimum: 1, description: 'Bytes of the archive' }),
  signature: SignatureHeaderSchema,
});
export type DesiredAgent = Static<typeof DesiredAgentSchema>;

/** What became of the last update an agent tried, in its status. */
export const AgentUpdateStatusSchema = T.Object({
  version: T.String({ description: 'The version asked for' }),
  state: T.Union([
    T.Literal('refused'),
    T.Literal('swapped'),
    T.Literal('confirmed'),
    T.Literal('rolled_back'),
  ]),
  /** Why it was refused or rolled back. */
  reason: T.Optional(T.String()),
  at: T.String({ format: 'date-time' }),
});
export type AgentUpdateStatus = Static<typeof AgentUpdateStatusSchema>;

/** What the hub's signature of a bundle is bound to, so a signature cannot be moved to another version. */
export function agentBundleContext(version: string): string {
  return `tern-agent-bundle/${version}`;
}

/** Where an agent downloads a bundle on the hub's HTTP API, with its own token. */
export function agentBundlePath(agentId: string, version: string): string {
  return `/api/v1/agents/${encodeURIComponent(agentId)}/bundles/${encodeURIComponent(version)}`;
}
