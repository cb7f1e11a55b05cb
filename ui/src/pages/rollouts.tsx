/** Rollouts (of flow revisions, sets of them, label changes and agent versions): the list, and one rollout's stages with their gate figures and each agent's state; live. */
import type { JSX } from 'preact';
import { useState } from 'preact/hooks';
import { call, callAll, type Rollout } from '../api.js';
import { Card, Empty, ErrorBox, RelTime, useAsync, usePageTitle } from '../components/common.js';
import { useHubEvents } from '../live.js';
import { Link, seg } from '../router.js';

/** Pill colour of a rollout status or an agent state. */
const TONE: Record<string, string> = {
  RUNNING: 'warn',
  WAITING: 'warn',
  PAUSED: 'off',
  SUCCEEDED: 'on',
  FAILED: 'bad',
  ROLLED_BACK: 'bad',
  CANCELLED: 'off',
  PASSED: 'on',
  APPLYING: 'warn',
  OBSERVING: 'warn',
  PENDING: 'off',
  pending: 'off',
  updating: 'warn',
  applied: 'on',
  failed: 'bad',
  rolled_back: 'bad',
};

function Pill({ text }: { text: string }): JSX.Element {
  return <span class={`pill ${TONE[text] ?? 'off'}`}>{text.replace('_', ' ')}</span>;
}

const isVersion = (r: Rollout) => r.kind === 'agentVersion';
/** A rollout of one flow's revision (the others have no flow page to link to). */
const isFlow = (r: Rollout) => r.kind === undefined || r.kind === 'flow';
const pairs = (labels: Record<string, string>) =>
  Object.entries(labels)
    .map(([k, v]) => `${k}=${v}`)
    .join(', ');

/** What a label rollout changes, in words. */
function labelChangeText(r: Rollout): string {
  const { set = {}, remove = [] } = r.labelChange ?? {};
  return [
    ...(Object.keys(set).length > 0 ? [`set ${pairs(set)}`] : []),
    ...(remove.length > 0 ? [`remove ${remove.join(', ')}`] : []),
  ].join('; ');
}

/** What a rollout takes to its agents, as a list and a title name it. */
function subjectText(r: Rollout): string {
  switch (r.kind) {
    case 'agentVersion':
      return `agent version ${r.agentVersion}`;
    case 'flows':
      return `flows ${(r.flows ?? []).map((f) => `${f.namespace}.${f.flowId}`).join(', ')}`;
    case 'labels':
      return `labels: ${labelChangeText(r)}`;
    default:
      return `${r.namespace}.${r.flowId}`;
  }
}

function Subject({ r }: { r: Rollout }): JSX.Element {
  return <>{subjectText(r)}</>;
}

/** What one agent had before the rollout, which a rollback gives back. */
function previousText(r: Rollout, a: Rollout['agents'][string] | undefined): string {
  switch (r.kind) {
    case 'agentVersion':
      return `previous version ${a?.previousVersion ?? 'none'}`;
    case 'flows':
      return `previous revisions ${Object.entries(a?.previousRevisions ?? {})
        .map(([flow, rev]) => `${flow} ${rev ?? 'none'}`)
        .join(', ')}`;
    case 'labels':
      return a?.previousLabels ? `previous labels ${pairs(a.previousLabels) || 'none'}` : '';
    default:
      return `previous revision ${a?.previousRevision ?? 'none'}`;
  }
}

/** The first words of a rollout's page: what it changes, and where. */
function Summary({ r }: { r: Rollout }): JSX.Element {
  const where = r.labels ? ` on agents labelled ${pairs(r.labels)}` : '';
  if (isVersion(r))
    return (
      <>
        Agent version <b>{r.agentVersion}</b>
        {where}
      </>
    );
  if (r.kind === 'labels')
    return (
      <>
        Labels: <b>{labelChangeText(r)}</b>
        {where}
      </>
    );
  if (r.kind === 'flows')
    return (
      <span data-testid="rollout-flows">
        {(r.flows ?? []).map((f, i) => (
          <span key={`${f.namespace}/${f.flowId}`}>
            {i > 0 && ', '}
            <Link href={`/flows/${seg(f.namespace)}/${seg(f.flowId)}`}>
              {f.namespace}.{f.flowId}
            </Link>{' '}
            revision <b>{f.revision}</b> (from {f.previousRevision ?? 'none'})
          </span>
        ))}
      </span>
    );
  return (
    <>
      Revision <b>{r.revision}</b> (from {r.previousRevision ?? 'none'})
    </>
  );
}

const stageOf = (r: Rollout) => `${Math.min(r.stage + 1, r.stages.length)}/${r.stages.length}`;

export function RolloutsPage(): JSX.Element {
  usePageTitle('Rollouts');
  const rollouts = useAsync(() => callAll<Rollout>('/rollouts', {}, 500), []);
  useHubEvents((e) => {
    if (e.type === 'ready') rollouts.reload();
    if (e.type !== 'rollout') return;
    rollouts.set((list) => {
      if (!list) return list;
      return list.some((r) => r.id === e.data.id)
        ? list.map((r) => (r.id === e.data.id ? e.data : r))
        : [e.data, ...list];
    });
  });
  return (
    <div class="page">
      <header class="page-head">
        <h1>Rollouts</h1>
      </header>
      <Card>
        <ErrorBox error={rollouts.error} />
        {rollouts.data?.length === 0 && (
          <Empty testId="rollouts-empty">
            No rollouts yet — save an agents' flow with <code>rollout:</code>, or run{' '}
            <code>tern rollouts start</code> (<code>--agent-version</code> for an agent version).
          </Empty>
        )}
        {rollouts.data && rollouts.data.length > 0 && (
          <div class="table-wrap">
            <table class="table" data-testid="rollouts-table">
              <thead>
                <tr>
                  <th>Flow or agent version</th>
                  <th>Revision</th>
                  <th>Status</th>
                  <th>Stage</th>
                  <th>Agents</th>
                  <th>Started</th>
                </tr>
              </thead>
              <tbody>
                {rollouts.data.map((r) => (
                  <tr key={r.id} data-rollout={r.id}>
                    <td>
                      <Link href={`/rollouts/${seg(r.id)}`}>
                        <b>
                          <Subject r={r} />
                        </b>
                      </Link>
                    </td>
                    <td>{isFlow(r) ? r.revision : ''}</td>
                    <td>
                      <Pill text={r.status} />
                    </td>
                    <td>{stageOf(r)}</td>
                    <td>{Object.keys(r.agents).length}</td>
                    <td>
                      <RelTime iso={r.createdAt} />
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        )}
      </Card>
    </div>
  );
}

/** The actions a status allows, as the API does. */
const ACTIONS: [action: string, label: string, when: Rollout['status'][]][] = [
  ['approve', 'Approve next stage', ['WAITING']],
  ['pause', 'Pause', ['RUNNING', 'WAITING']],
  ['resume', 'Resume', ['PAUSED']],
  ['rollback', 'Roll back', ['RUNNING', 'WAITING', 'PAUSED', 'FAILED', 'SUCCEEDED']],
];

export function RolloutPage({ id }: { id: string }): JSX.Element {
  const rollout = useAsync((signal) => call<Rollout>(`/rollouts/${seg(id)}`, { signal }), [id]);
  const [error, setError] = useState<unknown>(undefined);
  useHubEvents((e) => {
    if (e.type === 'ready') rollout.reload();
    if (e.type === 'rollout' && e.data.id === id) rollout.set(() => e.data);
  });
  const r = rollout.data;
  usePageTitle(r ? `Rollout of ${subjectText(r)}` : 'Rollout');
  const act = async (action: string) => {
    try {
      setError(undefined);
      const next = await call<Rollout>(`/rollouts/${seg(id)}/${action}`, { method: 'POST' });
      rollout.set(() => next);
    } catch (err) {
      setError(err);
    }
  };
  return (
    <div class="page">
      <header class="page-head">
        <h1>
          Rollout{' '}
          {r &&
            (isFlow(r) ? (
              <Link href={`/flows/${seg(r.namespace)}/${seg(r.flowId)}`}>
                <Subject r={r} />
              </Link>
            ) : (
              <Subject r={r} />
            ))}
        </h1>
        <div class="actions">
          {r &&
            ACTIONS.filter(([, , when]) => when.includes(r.status)).map(([action, label]) => (
              <button
                key={action}
                type="button"
                class={action === 'rollback' ? 'danger' : 'primary'}
                onClick={() => void act(action)}
              >
                {label}
              </button>
            ))}
        </div>
      </header>
      <ErrorBox error={rollout.error ?? error} />
      {r && (
        <>
          <Card>
            <p data-testid="rollout-summary">
              <Summary r={r} /> <Pill text={r.status} /> stage {stageOf(r)}
              {r.waitingUntil && (
                <>
                  {' '}
                  · next stage <RelTime iso={r.waitingUntil} />
                </>
              )}
            </p>
            {r.reason && <p class="muted">{r.reason}</p>}
            {r.failedAgents && r.failedAgents.length > 0 && (
              <p>
                Failed agents: <b>{r.failedAgents.join(', ')}</b>
              </p>
            )}
          </Card>
          {r.stages.map((stage, index) => (
            <Card
              key={stage.name}
              title={
                <>
                  {stage.name} <Pill text={stage.state} />
                  {index === r.stage && <span class="muted small"> current</span>}
                </>
              }
            >
              {stage.gate && (
                <p class="muted small" data-testid="gate-figures">
                  applied {stage.gate.applied}/{stage.agents.length} · offline {stage.gate.offline} ·
                  executions {stage.gate.executions} · failed {stage.gate.failedExecutions} · failure rate{' '}
                  {(stage.gate.failureRate * 100).toFixed(0)}%
                </p>
              )}
              <div class="table-wrap">
                <table class="table">
                  <tbody>
                    {stage.agents.map((agentId) => {
                      const a = r.agents[agentId];
                      return (
                        <tr key={agentId} data-agent={agentId}>
                          <td>
                            <Link href={`/agents/${seg(agentId)}`}>{agentId}</Link>
                          </td>
                          <td>{a && <Pill text={a.state} />}</td>
                          <td class="muted small">
                            {previousText(r, a)}
                            {a?.reason ? ` · ${a.reason}` : ''}
                          </td>
                        </tr>
                      );
                    })}
                  </tbody>
                </table>
              </div>
            </Card>
          ))}
        </>
      )}
    </div>
  );
}
