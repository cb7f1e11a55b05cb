/**
 * One flow (loaded on demand, with the editor): YAML editor with completion
 * and validation, save as a new revision, revisions with a side-by-side diff
 * and restore, the topology, its triggers (state on the hub and each agent,
 * enable and disable), its executions, and "Execute".
 */
import type { EditorView } from '@codemirror/view';
import type { JSX } from 'preact';
import { useEffect, useRef, useState } from 'preact/hooks';
import {
  ApiError,
  call,
  type Execution,
  type FlowRecord,
  type FlowRevision,
  type FlowTrigger,
  type FlowWithTriggers,
  type Page,
  type Problem,
} from '../api.js';
import {
  Card,
  Empty,
  ErrorBox,
  RelTime,
  useAsync,
  usePageTitle,
  useThrottled,
} from '../components/common.js';
import { ExecuteDialog } from '../components/execute-dialog.js';
import { ExecutionsTable } from '../components/executions-table.js';
import { TabPanel, Tabs } from '../components/tabs.js';
import { Topology } from '../components/topology.js';
import { RuntimeStatePill } from '../components/trigger-state.js';
import { createDiff, createFlowEditor, goToLine } from '../editor/yaml-editor.js';
import { dateTime } from '../format.js';
import { useHubEvents } from '../live.js';
import { Link, navigate, seg, setQuery, useLocation } from '../router.js';

const TEMPLATE = `id: hello
namespace: demo
description: A first flow
inputs:
  - id: name
    type: STRING
    defaults: world
tasks:
  - id: greet
    type: log
    message: "Hello, {{ inputs.name }}!"
`;

let schemaPromise: Promise<Record<string, unknown> | undefined> | undefined;
const flowSchema = () => {
  schemaPromise ??= call<Record<string, unknown>>('/schemas/flow').catch(() => undefined);
  return schemaPromise;
};

/**
 * What a save that moved to another page said ("Created revision 1"), for the
 * editor of that page to show: creating a flow navigates to its own page,
 * which mounts a new editor.
 */
let carried: { path: string; text: string } | undefined;

/** The message carried to the page now shown, once. */
function takeCarried(): string | undefined {
  const text = carried?.path === window.location.pathname ? carried.text : undefined;
  carried = undefined;
  return text;
}

function Editor(props: { record: FlowRecord | undefined; onSaved(record: FlowRecord): void }): JSX.Element {
  const host = useRef<HTMLDivElement>(null);
  const view = useRef<EditorView | undefined>(undefined);
  const [source, setSource] = useState(props.record?.source ?? TEMPLATE);
  const [problems, setProblems] = useState<Problem[]>([]);
  const [error, setError] = useState<unknown>(undefined);
  const [saved, setSaved] = useState<string | undefined>(takeCarried);
  const [busy, setBusy] = useState(false);
  const save = useRef<() => void>(() => undefined);
  const dirty = source !== (props.record?.source ?? '');

  save.current = async () => {
    const text = view.current?.state.doc.toString() ?? source;
    setBusy(true);
    setError(undefined);
    setSaved(undefined);
    try {
      const record = props.record
        ? await call<FlowRecord>(`/flows/${seg(props.record.namespace)}/${seg(props.record.id)}`, {
            method: 'PUT',
            yaml: text,
          })
        : await call<FlowRecord>('/flows', { yaml: text });
      if (props.record)
        setSaved(
          record.revision === props.record.revision ? 'No change' : `Saved revision ${record.revision}`,
        );
      else
        carried = {
          path: `/flows/${seg(record.namespace)}/${seg(record.id)}`,
          text: `Created revision ${record.revision}`,
        };
      props.onSaved(record);
    } catch (err) {
      setError(err);
      if (err instanceof ApiError && err.problems.length > 0) setProblems(err.problems);
    } finally {
      setBusy(false);
    }
  };

  useEffect(() => {
    let cancelled = false;
    void flowSchema().then((schema) => {
      if (cancelled || !host.current) return;
      view.current = createFlowEditor(host.current, {
        doc: source,
        schema,
        onChange: setSource,
        onProblems: setProblems,
        onSave: () => save.current(),
      });
    });
    return () => {
      cancelled = true;
      view.current?.destroy();
    };
    // The editor is created once; its document is the state from then on.
  }, []);

  const valid = problems.length === 0;
  return (
    <div class="editor-layout">
      <div class="editor-bar">
        <span class={valid ? 'pill on' : 'pill bad'} data-testid="validity">
          {valid ? 'valid' : `${problems.length} problem${problems.length > 1 ? 's' : ''}`}
        </span>
        {dirty && <span class="muted small">unsaved changes</span>}
        {saved && (
          <span class="muted small" data-testid="saved">
            {saved}
          </span>
        )}
        <span class="grow" />
        <span class="muted small keys-hint">Ctrl-Space completes · Ctrl-S saves</span>
        <button type="button" class="primary" disabled={busy || !valid} onClick={() => save.current()}>
          {props.record ? 'Save' : 'Create'}
        </button>
      </div>
      <div class="editor" ref={host} data-testid="editor" />
      {problems.length > 0 && (
        <ul class="problems" data-testid="problems">
          {problems.map((p, i) => (
            <li key={i}>
              <button
                type="button"
                class="link"
                onClick={() => view.current && p.line && goToLine(view.current, p.line, p.column)}
              >
                {p.line ? `Line ${p.line}${p.column ? `:${p.column}` : ''}` : 'Flow'}
              </button>{' '}
              {p.path && <code>{p.path}</code>} {p.message}
            </li>
          ))}
        </ul>
      )}
      {!(error instanceof ApiError && error.problems.length > 0) && <ErrorBox error={error} />}
    </div>
  );
}

function Revisions({
  record,
  onRestored,
}: {
  record: FlowRecord;
  onRestored(r: FlowRecord): void;
}): JSX.Element {
  const { query } = useLocation();
  const revisions = useAsync(
    (signal) =>
      call<{ items: FlowRevision[] }>(`/flows/${seg(record.namespace)}/${seg(record.id)}/revisions`, {
        signal,
      }).then((r) => r.items),
    [record.revision],
  );
  const items = revisions.data ?? [];
  const right = Number(query.get('b') ?? record.revision);
  const left = Number(query.get('a') ?? Math.max(1, right - 1));
  const host = useRef<HTMLDivElement>(null);
  const [error, setError] = useState<unknown>(undefined);
  const a = items.find((r) => r.revision === left);
  const b = items.find((r) => r.revision === right);
  useEffect(() => {
    if (!host.current || !a || !b) return;
    const diff = createDiff(host.current, a.source, b.source);
    return () => diff.destroy();
  }, [a?.revision, b?.revision, items.length]);
  const restore = async (rev: FlowRevision) => {
    try {
      onRestored(
        await call<FlowRecord>(`/flows/${seg(record.namespace)}/${seg(record.id)}`, {
          method: 'PUT',
          yaml: rev.source,
        }),
      );
    } catch (err) {
      setError(err);
    }
  };
  const pick = (name: 'a' | 'b', value: string) => setQuery({ [name]: value });
  return (
    <div class="revisions">
      <ErrorBox error={error ?? revisions.error} />
      <div class="table-wrap">
        <table class="table" data-testid="revisions">
          <thead>
            <tr>
              <th>Revision</th>
              <th>Saved</th>
              <th>Compare</th>
              <th />
            </tr>
          </thead>
          <tbody>
            {[...items].reverse().map((r) => (
              <tr key={r.revision} class={r.revision === left || r.revision === right ? 'selected' : ''}>
                <td>
                  {r.revision} {r.revision === record.revision && <span class="pill on">current</span>}
                  {r.deleted && <span class="pill off">deleted</span>}
                </td>
                <td title={dateTime(r.createdAt)}>
                  <RelTime iso={r.createdAt} />
                </td>
                <td>
                  <label class="inline">
                    <input
                      type="radio"
                      name="a"
                      checked={r.revision === left}
                      onChange={() => pick('a', String(r.revision))}
                    />{' '}
                    left
                  </label>{' '}
                  <label class="inline">
                    <input
                      type="radio"
                      name="b"
                      checked={r.revision === right}
                      onChange={() => pick('b', String(r.revision))}
                    />{' '}
                    right
                  </label>
                </td>
                <td>
                  {r.revision !== record.revision && !r.deleted && (
                    <button type="button" class="ghost" onClick={() => restore(r)}>
                      Restore
                    </button>
                  )}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
      {a && b && (
        <>
          <div class="diff-head">
            <span>Revision {a.revision}</span>
            <span>Revision {b.revision}</span>
          </div>
          <div class="diff" ref={host} data-testid="diff" />
        </>
      )}
    </div>
  );
}

function FlowExecutions({ record }: { record: FlowRecord }): JSX.Element {
  const page = useAsync(
    (signal) =>
      call<Page<Execution>>('/executions', {
        query: { namespace: record.namespace, flowId: record.id, limit: 30 },
        signal,
      }),
    [record.namespace, record.id],
  );
  const reload = useThrottled(page.reload, 500);
  useHubEvents((e) => {
    if (
      e.type === 'ready' ||
      (e.type === 'execution' && e.data.namespace === record.namespace && e.data.flowId === record.id)
    )
      reload();
  });
  return (
    <>
      <ErrorBox error={page.error} />
      {page.data && (
        <ExecutionsTable items={page.data.items} empty="This flow has not run yet: ▶ Execute starts it." />
      )}
      <Link href={`/executions?namespace=${seg(record.namespace)}&flowId=${seg(record.id)}`}>
        All executions of this flow
      </Link>
    </>
  );
}

/** Who runs a trigger: the hub, or an agent (with a link, and whether it is connected). */
function RuntimeName({ runtime }: { runtime: FlowTrigger['runtimes'][number] }): JSX.Element {
  if (runtime.runtime === 'hub') return <span>hub</span>;
  const id = runtime.agentId ?? '?';
  return (
    <span class="nowrap">
      agent <Link href={`/agents/${seg(id)}`}>{id}</Link>
      {runtime.online === false && <span class="pill off">offline</span>}
    </span>
  );
}

function TriggerCard(props: {
  record: FlowRecord;
  trigger: FlowTrigger;
  onChanged(record: FlowWithTriggers): void;
}): JSX.Element {
  const { record, trigger } = props;
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>(undefined);
  const toggle = async () => {
    setBusy(true);
    setError(undefined);
    try {
      const path = `/flows/${seg(record.namespace)}/${seg(record.id)}/triggers/${seg(trigger.id)}`;
      props.onChanged(
        await call<FlowWithTriggers>(path, { method: 'PUT', json: { disabled: !trigger.disabled } }),
      );
    } catch (err) {
      setError(err);
    } finally {
      setBusy(false);
    }
  };
  return (
    <section class="trigger" data-trigger={trigger.id}>
      <header class="trigger-head">
        <h3>
          {trigger.id} <span class="muted small">{trigger.type}</span>{' '}
          <span class={trigger.disabled ? 'pill off' : 'pill on'} data-testid="trigger-state">
            {trigger.disabled ? 'disabled' : 'enabled'}
          </span>
        </h3>
        <button type="button" onClick={toggle} disabled={busy}>
          {trigger.disabled ? 'Enable' : 'Disable'}
        </button>
      </header>
      <ErrorBox error={error} />
      {trigger.runtimes.length === 0 ? (
        <Empty>Neither the hub nor an agent has reported running this trigger yet.</Empty>
      ) : (
        <div class="table-wrap">
          <table class="table">
            <thead>
              <tr>
                <th>Runs on</th>
                <th>State</th>
                <th>Revision</th>
                <th>Fired</th>
                <th>Dropped</th>
                <th>Last fired</th>
                <th>Next</th>
                <th>Last error</th>
              </tr>
            </thead>
            <tbody>
              {trigger.runtimes.map((r) => (
                <tr key={r.agentId ?? 'hub'} data-runtime={r.agentId ?? 'hub'}>
                  <td>
                    <RuntimeName runtime={r} />
                  </td>
                  <td>
                    <RuntimeStatePill disabled={r.disabled} />
                  </td>
                  <td>
                    <span data-testid="runtime-revision">{r.revision}</span>
                    {r.revision < record.revision && (
                      <span class="pill warn" title={`revision ${record.revision} is on its way`}>
                        updating
                      </span>
                    )}
                  </td>
                  <td data-testid="fired">{r.fired}</td>
                  <td>{r.dropped}</td>
                  <td>
                    {r.lastFiredAt ? <RelTime iso={r.lastFiredAt} /> : <span class="muted">—</span>}
                    {r.lastExecutionId && (
                      <>
                        {' '}
                        <Link href={`/executions/${seg(r.lastExecutionId)}`}>execution</Link>
                      </>
                    )}
                  </td>
                  <td>{r.next ? dateTime(r.next) : <span class="muted">—</span>}</td>
                  <td>
                    {r.lastError ? (
                      <span title={dateTime(r.lastError.at)}>{r.lastError.message}</span>
                    ) : (
                      <span class="muted">—</span>
                    )}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
    </section>
  );
}

/** The triggers of the flow's revision and their state everywhere they run; live. */
function FlowTriggers(props: { record: FlowRecord; onChanged(record: FlowRecord): void }): JSX.Element {
  const { namespace, id } = props.record;
  const state = useAsync(
    (signal) => call<FlowWithTriggers>(`/flows/${seg(namespace)}/${seg(id)}`, { signal }),
    [namespace, id],
  );
  const reload = useThrottled(state.reload, 1000);
  useHubEvents((e) => {
    if (
      e.type === 'ready' ||
      e.type === 'agent' ||
      (e.type === 'flow' && e.data.namespace === namespace && e.data.id === id) ||
      (e.type === 'execution' && e.data.namespace === namespace && e.data.flowId === id)
    )
      reload();
  });
  const changed = (record: FlowWithTriggers) => {
    state.set(() => record);
    props.onChanged(record);
  };
  const triggers = state.data?.triggers;
  return (
    <>
      <ErrorBox error={state.error} />
      {triggers && triggers.length === 0 && <Empty>This flow has no triggers.</Empty>}
      {triggers?.map((t) => (
        <TriggerCard key={t.id} record={props.record} trigger={t} onChanged={changed} />
      ))}
    </>
  );
}

const TABS = [
  ['editor', 'Editor'],
  ['topology', 'Topology'],
  ['triggers', 'Triggers'],
  ['revisions', 'Revisions'],
  ['executions', 'Executions'],
] as const;
type TabKey = (typeof TABS)[number][0];

export function FlowPage({ namespace, id }: { namespace?: string; id?: string }): JSX.Element {
  const { query } = useLocation();
  const isNew = namespace === undefined || id === undefined;
  const asked = query.get('tab');
  const tab: TabKey = isNew ? 'editor' : (TABS.find(([key]) => key === asked)?.[0] ?? 'editor');
  const [executing, setExecuting] = useState(false);
  const flow = useAsync(
    (signal) =>
      isNew
        ? Promise.resolve(undefined)
        : call<FlowRecord>(`/flows/${seg(namespace)}/${seg(id)}`, { signal }),
    [namespace, id],
  );
  const record = flow.data;
  usePageTitle(record ? `${record.namespace}.${record.id}` : isNew ? 'New flow' : undefined);
  const onSaved = (r: FlowRecord) => {
    if (isNew || r.namespace !== namespace || r.id !== id)
      navigate(`/flows/${seg(r.namespace)}/${seg(r.id)}`, { replace: true });
    else flow.set(() => r);
  };
  if (!isNew && !record)
    return (
      <div class="page">
        {flow.error ? <ErrorBox error={flow.error} /> : <div class="loading">Loading…</div>}
      </div>
    );

  return (
    <div class="page">
      <header class="page-head">
        <div>
          <div class="crumbs">
            <Link href="/flows">Flows</Link> /{' '}
            {record && <Link href={`/flows?namespace=${seg(record.namespace)}`}>{record.namespace}</Link>}
          </div>
          <h1>
            {record ? record.id : 'New flow'}{' '}
            {record && <span class="muted small">revision {record.revision}</span>}
          </h1>
          {record?.flow.description && <p class="muted">{record.flow.description}</p>}
        </div>
        {record && (
          <div class="actions">
            <button
              type="button"
              class="primary"
              onClick={() => setExecuting(true)}
              disabled={record.flow.disabled === true}
            >
              ▶ Execute
            </button>
          </div>
        )}
      </header>
      {executing && record && <ExecuteDialog record={record} onClose={() => setExecuting(false)} />}
      {!isNew && (
        <Tabs
          id="flow"
          label="Flow views"
          tabs={TABS}
          selected={tab}
          onSelect={(key) =>
            setQuery({ tab: key === 'editor' ? undefined : key, a: undefined, b: undefined })
          }
        />
      )}
      <TabPanel id="flow" selected={tab}>
        <Card>
          {tab === 'editor' && (
            <Editor
              key={record ? `${record.namespace}/${record.id}` : 'new'}
              record={record}
              onSaved={onSaved}
            />
          )}
          {tab === 'topology' && record && <Topology flow={record.flow} />}
          {tab === 'triggers' && record && (
            <FlowTriggers record={record} onChanged={(r) => flow.set(() => r)} />
          )}
          {tab === 'revisions' && record && (
            <Revisions record={record} onRestored={(r) => flow.set(() => r)} />
          )}
          {tab === 'executions' && record && <FlowExecutions record={record} />}
        </Card>
      </TabPanel>
    </div>
  );
}
