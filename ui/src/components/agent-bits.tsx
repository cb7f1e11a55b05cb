/** Pieces of the agents' pages: the online pill, the applied-versus-desired summary, and the agent version. */
import type { JSX } from 'preact';
import type { Agent } from '../api.js';

export function OnlinePill({ agent }: { agent: Agent }): JSX.Element {
  if (agent.decommissioned) return <span class="pill off">decommissioned</span>;
  return (
    <span class={agent.online ? 'pill on' : 'pill off'} data-testid="online" data-online={agent.online}>
      {agent.online ? 'online' : 'offline'}
    </span>
  );
}

/** "g4 / g4", with the flow counts, and a drift marker while they differ. */
export function Revisions({ agent }: { agent: Agent }): JSX.Element {
  const { desired, applied, drift } = agent.status;
  if (!desired) return <span class="muted">—</span>;
  return (
    <span title={`desired generation ${desired.generation}, applied ${applied?.generation ?? 'none'}`}>
      {applied ? `${applied.flows.length} applied` : 'none applied'} / {desired.flows.length} desired
      {drift && <span class="pill warn">drift</span>}
      {(applied?.refused.length ?? 0) > 0 && <span class="pill bad">{applied!.refused.length} refused</span>}
    </span>
  );
}

/**
 * The version the agent reports, and the one the hub asks for (`PUT /agents/{id}/version`, a rollout)
 * while they differ; an update of it the device refused or undid is marked.
 */
export function AgentVersion({ agent }: { agent: Agent }): JSX.Element {
  const { targetVersion, update } = agent.status;
  const running = agent.version ?? <span class="muted">—</span>;
  if (!targetVersion) return <span data-testid="agent-version">{running}</span>;
  const undone =
    update?.version === targetVersion && (update.state === 'refused' || update.state === 'rolled_back');
  return (
    <span data-testid="agent-version" title={`desired version ${targetVersion}`}>
      {running}
      {targetVersion !== agent.version && (
        <span class="muted small" data-testid="desired-version">
          {' '}
          → {targetVersion}
        </span>
      )}
      {undone && (
        <span class="pill bad" title={update.reason}>
          {update.state.replace('_', ' ')}
        </span>
      )}
    </span>
  );
}
