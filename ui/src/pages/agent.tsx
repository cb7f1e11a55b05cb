/** One agent: connection, labels (editable), its flows desired and applied, its triggers and executions; live. */
import type { JSX } from 'preact';
import { useState } from 'preact/hooks';
import { type Agent, call, type Execution, type FlowRecord, type FlowRef, type Page } from '../api.js';
import { OnlinePill, Revisions } from '../components/agent-bits.js';
import { Card, Empty, ErrorBox, LabelChips, RelTime, useAsync, usePageTitle } from '../components/common.js';
import { ExecutionsTable } from '../components/executions-table.js';
import { RuntimeStatePill } from '../components/trigger-state.js';
import { bytes, dateTime, duration } from '../format.js';
import { useHubEvents } from '../live.js';
import { Link, seg } from '../router.js';

function LabelsEditor({ agent, onSaved }: { agent: Agent; onSaved(a: Agent): void }): JSX.Element {
  const [rows, setRows] = useState<[string, string][] | undefined>(undefined);
  const [error, setError] = useState<unknown>(undefined);
  if (!rows)
    return (
      <div class="row">
        <LabelChips labels={agent.labels} />
        <button type="button" class="ghost" onClick={() => setRows(Object.entries(agent.labels))}>
          Edit labels
        </button>
      </div>
    );
  const save = async () => {
    try {
      const labels = Object.fromEntries(
        rows.filter(([k]) => k.trim() !== '').map(([k, v]) => [k.trim(), v.trim()]),
      );
      onSaved(await call<Agent>(`/agents/${seg(agent.id)}`, { method: 'PATCH', json: { labels } }));
      setRows(undefined);
      setError(undefined);
    } catch (err) {
      setError(err);
    }
  };
  const edit = (i: number, j: 0 | 1, value: string) =>
    setRows(
      rows.map((r, k) => (k === i ? ((j === 0 ? [value, r[1]] : [r[0], value]) as [string, string]) : r)),
    );
  return (
    <div class="labels-editor" data-testid="labels-editor">
      {rows.map(([k, v], i) => (
        <div class="row" key={i}>
          <input
            aria-label="Label key"
            placeholder="key"
            value={k}
            onInput={(e) => edit(i, 0, e.currentTarget.value)}
          />
          <input
            aria-label="Label value"
            placeholder="value"
            value={v}
            onInput={(e) => edit(i, 1, e.currentTarget.value)}
          />
          <button
            type="button"
            class="icon"
            aria-label="Remove label"
            onClick={() => setRows(rows.filter((_, k2) => k2 !== i))}
          >
            ✕
          </button>
        </div>
      ))}
      <div class="row">
        <button type="button" class="ghost" onClick={() => setRows([...rows, ['', '']])}>
          Add label
        </button>
        <span class="grow" />
        <button type="button" class="ghost" onClick={() => setRows(undefined)}>
          Cancel
        </button>
        <button type="button" class="primary" onClick={save}>
          Save labels
        </button>
      </div>
      <p class="muted small">
        Changing labels changes which flows the agent runs (their <code>runsOn</code>).
      </p>
      <ErrorBox error={error} />
    </div>
  );
}

const key = (f: { namespace: string; id: string }) => `${f.namespace}/${f.id}`;

export function AgentPage({ id }: { id: string }): JSX.Element {
  usePageTitle(`${id} · agent`);
  const agent = useAsync((signal) => call<Agent>(`/agents/${seg(id)}`, { signal }), [id]);
  const executions = useAsync(
    (signal) => call<Page<Execution>>('/executions', { query: { agent: id, limit: 20 }, signal }),
    [id],
  );
  const desired = agent.data?.status.desired?.flows ?? [];
  const flows = useAsync(
    () =>
      Promise.all(
        desired.map((f) =>
          call<FlowRecord>(`/flows/${seg(f.namespace)}/${seg(f.id)}`).catch(() => undefined),
        ),
      ),
    [desired.map(key).join(',')],
  );
  useHubEvents((e) => {
    if (e.type === 'ready') {
      agent.reload();
      executions.reload();
    } else if (e.type === 'agent' && e.data.id === id) agent.set(() => e.data);
    else if (e.type === 'execution' && e.data.agentId === id) executions.reload();
  });
  const a = agent.data;
  if (!a)
    return (
      <div class="page">
        {agent.error ? <ErrorBox error={agent.error} /> : <div class="loading">Loading…</div>}
      </div>
    );

  const applied = new Map((a.status.applied?.flows ?? []).map((f) => [key(f), f]));
  const refused = new Map((a.status.applied?.refused ?? []).map((f) => [key(f), f]));
  const all = new Map<string, FlowRef>();
  for (const f of [...desired, ...applied.values()]) all.set(key(f), f);
  const reported = a.status.triggers ?? [];
  const triggers = (flows.data ?? []).flatMap((record) =>
    record ? (record.flow.triggers ?? []).map((t) => ({ flow: record, trigger: t })) : [],
  );

  return (
    <div class="page">
      <header class="page-head">
        <div>
          <div class="crumbs">
            <Link href="/agents">Agents</Link> /
          </div>
          <h1>
            {a.id} <OnlinePill agent={a} />
          </h1>
        </div>
      </header>
      <div class="grid-2">
        <Card title="Agent">
          <dl class="facts">
            <div>
              <dt>Last seen</dt>
              <dd>
                <RelTime iso={a.lastSeenAt} />
              </dd>
            </div>
            <div>
              <dt>Version</dt>
              <dd>{a.version ?? '—'}</dd>
            </div>
            <div>
              <dt>Registered</dt>
              <dd>{dateTime(a.createdAt)}</dd>
            </div>
            <div>
              <dt>Flows</dt>
              <dd>
                <Revisions agent={a} />
              </dd>
            </div>
            <div>
              <dt>Outbox</dt>
              <dd>
                {a.status.outbox?.depth ?? 0} records, {bytes(a.status.outbox?.bytes)}
                {a.status.outbox?.oldestAgeMs ? `, oldest ${duration(a.status.outbox.oldestAgeMs)}` : ''}
              </dd>
            </div>
            {a.status.load && (
              <div>
                <dt>Load</dt>
                <dd>
                  {a.status.load.running} running, {a.status.load.queued} queued,{' '}
                  {bytes(a.status.load.rssBytes)} memory
                </dd>
              </div>
            )}
            {a.status.footprint && (
              <div>
                <dt>Footprint</dt>
                <dd data-testid="agent-footprint">
                  {bytes(a.status.footprint.rssBytes)} resident, heap{' '}
                  {bytes(a.status.footprint.heapUsedBytes)} of {bytes(a.status.footprint.heapLimitBytes)},
                  event loop delay p99 {a.status.footprint.eventLoopDelayP99Ms} ms
                  {a.status.footprint.readyMs !== undefined &&
                    `, ready ${duration(a.status.footprint.readyMs)} after start`}
                </dd>
              </div>
            )}
          </dl>
        </Card>
        <Card title="Labels">
          <LabelsEditor agent={a} onSaved={(next) => agent.set(() => next)} />
        </Card>
      </div>
      <Card title="Flows">
        {all.size === 0 ? (
          <Empty>No flow targets this agent.</Empty>
        ) : (
          <div class="table-wrap">
            <table class="table" data-testid="agent-flows">
              <thead>
                <tr>
                  <th>Flow</th>
                  <th>Desired revision</th>
                  <th>Applied revision</th>
                  <th>State</th>
                </tr>
              </thead>
              <tbody>
                {[...all.values()].map((f) => {
                  const want = desired.find((d) => key(d) === key(f));
                  const got = applied.get(key(f));
                  const no = refused.get(key(f));
                  return (
                    <tr key={key(f)}>
                      <td>
                        <Link href={`/flows/${seg(f.namespace)}/${seg(f.id)}`}>
                          {f.namespace}.{f.id}
                        </Link>
                      </td>
                      <td>{want?.revision ?? '—'}</td>
                      <td>{got?.revision ?? '—'}</td>
                      <td>
                        {no ? (
                          <span class="pill bad" title={no.reason}>
                            refused: {no.reason}
                          </span>
                        ) : !want ? (
                          <span class="pill warn">to remove</span>
                        ) : got?.revision === want.revision ? (
                          <span class="pill on">applied</span>
                        ) : (
                          <span class="pill warn">pending</span>
                        )}
                      </td>
                    </tr>
                  );
                })}
              </tbody>
            </table>
          </div>
        )}
      </Card>
      <Card title="Triggers">
        {triggers.length === 0 ? (
          <Empty>The agent's flows have no triggers.</Empty>
        ) : (
          <div class="table-wrap">
            <table class="table">
              <thead>
                <tr>
                  <th>Trigger</th>
                  <th>Type</th>
                  <th>Flow</th>
                  <th>State</th>
                  <th>Revision</th>
                  <th>Fired</th>
                  <th>Next</th>
                </tr>
              </thead>
              <tbody>
                {triggers.map(({ flow, trigger }) => {
                  const state = reported.find(
                    (r) =>
                      r.namespace === flow.namespace && r.flowId === flow.id && r.triggerId === trigger.id,
                  );
                  return (
                    <tr key={`${key(flow)}/${trigger.id}`} data-trigger={`${key(flow)}/${trigger.id}`}>
                      <td class="nowrap">{trigger.id}</td>
                      <td>{trigger.type}</td>
                      <td>
                        {flow.namespace}.{flow.id}
                      </td>
                      <td>
                        {state ? (
                          <RuntimeStatePill disabled={state.disabled} />
                        ) : applied.has(key(flow)) ? (
                          <span class="pill warn">not reported yet</span>
                        ) : (
                          <span class="pill warn">not applied</span>
                        )}
                      </td>
                      <td>{state?.revision ?? <span class="muted">—</span>}</td>
                      <td>{state?.fired ?? <span class="muted">—</span>}</td>
                      <td>{state?.next ? dateTime(state.next) : <span class="muted">—</span>}</td>
                    </tr>
                  );
                })}
              </tbody>
            </table>
          </div>
        )}
      </Card>
      <Card title="Recent executions" actions={<Link href={`/executions?agent=${seg(id)}`}>All</Link>}>
        <ErrorBox error={executions.error} />
        {executions.data && (
          <ExecutionsTable items={executions.data.items} compact empty="This agent has run nothing yet." />
        )}
      </Card>
    </div>
  );
}
