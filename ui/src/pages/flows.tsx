/** Flows: a namespace tree beside the list, with search and filters kept in the URL. */
import type { JSX } from 'preact';
import { callAll, type FlowRecord } from '../api.js';
import {
  Card,
  Empty,
  ErrorBox,
  LabelChips,
  RelTime,
  useAsync,
  usePageTitle,
  useThrottled,
} from '../components/common.js';
import { useHubEvents } from '../live.js';
import { Link, navigate, seg, setQuery, useLocation } from '../router.js';

interface NsNode {
  name: string;
  path: string;
  count: number;
  children: NsNode[];
}

/** The namespaces as a tree, each with how many flows it holds (sub-namespaces included). */
function namespaceTree(flows: FlowRecord[]): NsNode[] {
  const root: NsNode = { name: '', path: '', count: 0, children: [] };
  for (const f of flows) {
    let node = root;
    const parts = f.namespace.split('.');
    parts.forEach((part, i) => {
      const path = parts.slice(0, i + 1).join('.');
      let child = node.children.find((c) => c.name === part);
      if (!child) {
        child = { name: part, path, count: 0, children: [] };
        node.children.push(child);
        node.children.sort((a, b) => a.name.localeCompare(b.name));
      }
      child.count++;
      node = child;
    });
  }
  return root.children;
}

function Tree({ nodes, selected }: { nodes: NsNode[]; selected: string }): JSX.Element {
  return (
    <ul class="tree">
      {nodes.map((n) => (
        <li key={n.path}>
          <button
            type="button"
            class={selected === n.path ? 'tree-item active' : 'tree-item'}
            onClick={() => setQuery({ namespace: selected === n.path ? undefined : n.path })}
          >
            {n.name} <span class="muted">{n.count}</span>
          </button>
          {n.children.length > 0 && <Tree nodes={n.children} selected={selected} />}
        </li>
      ))}
    </ul>
  );
}

const runsOnText = (f: FlowRecord) => {
  const r = f.flow.runsOn;
  if (r === undefined || r === 'hub') return 'hub';
  if ('agents' in r) return `agents: ${r.agents.join(', ')}`;
  return `labels: ${Object.entries(r.labels)
    .map(([k, v]) => `${k}=${v}`)
    .join(', ')}`;
};

export function FlowsPage(): JSX.Element {
  usePageTitle('Flows');
  const { query } = useLocation();
  const namespace = query.get('namespace') ?? '';
  const q = (query.get('q') ?? '').toLowerCase();
  const where = query.get('runsOn') ?? '';
  const trigger = query.get('trigger') ?? '';
  const flows = useAsync(() => callAll<FlowRecord>('/flows'), []);
  const reload = useThrottled(flows.reload, 500);
  useHubEvents((e) => (e.type === 'flow' || e.type === 'ready') && reload());

  const all = flows.data ?? [];
  const triggerTypes = [...new Set(all.flatMap((f) => (f.flow.triggers ?? []).map((t) => t.type)))].sort();
  const shown = all.filter(
    (f) =>
      (!namespace || f.namespace === namespace || f.namespace.startsWith(`${namespace}.`)) &&
      (!q || `${f.namespace}.${f.id} ${f.flow.description ?? ''}`.toLowerCase().includes(q)) &&
      (!where || (where === 'hub') === (runsOnText(f) === 'hub')) &&
      (!trigger || (f.flow.triggers ?? []).some((t) => t.type === trigger)),
  );

  return (
    <div class="page">
      <header class="page-head">
        <h1>Flows</h1>
        <button type="button" class="primary" onClick={() => navigate('/flows/new')}>
          New flow
        </button>
      </header>
      <div class="with-aside">
        <aside class="card aside">
          <h2>Namespaces</h2>
          <button
            type="button"
            class={namespace === '' ? 'tree-item active' : 'tree-item'}
            onClick={() => setQuery({ namespace: undefined })}
          >
            All <span class="muted">{all.length}</span>
          </button>
          <Tree nodes={namespaceTree(all)} selected={namespace} />
        </aside>
        <Card>
          <div class="filters">
            <input
              type="search"
              placeholder="Search flows"
              aria-label="Search flows"
              value={query.get('q') ?? ''}
              onInput={(e) => setQuery({ q: e.currentTarget.value })}
            />
            <select
              aria-label="Runs on"
              value={where}
              onChange={(e) => setQuery({ runsOn: e.currentTarget.value })}
            >
              <option value="">Runs anywhere</option>
              <option value="hub">On the hub</option>
              <option value="agents">On agents</option>
            </select>
            <select
              aria-label="Trigger"
              value={trigger}
              onChange={(e) => setQuery({ trigger: e.currentTarget.value })}
            >
              <option value="">Any trigger</option>
              {triggerTypes.map((t) => (
                <option key={t} value={t}>
                  {t}
                </option>
              ))}
            </select>
          </div>
          <ErrorBox error={flows.error} />
          {flows.data && all.length === 0 && (
            <Empty testId="flows-empty">
              No flows yet — <Link href="/flows/new">create one</Link>, or <code>tern deploy</code> a folder
              of flow files.
            </Empty>
          )}
          {all.length > 0 && shown.length === 0 && <Empty>No flow matches.</Empty>}
          {shown.length > 0 && (
            <div class="table-wrap">
              <table class="table" data-testid="flows-table">
                <thead>
                  <tr>
                    <th>Flow</th>
                    <th>Runs on</th>
                    <th>Triggers</th>
                    <th>Labels</th>
                    <th>Revision</th>
                    <th>Updated</th>
                  </tr>
                </thead>
                <tbody>
                  {shown.map((f) => (
                    <tr key={`${f.namespace}/${f.id}`}>
                      <td>
                        <Link href={`/flows/${seg(f.namespace)}/${seg(f.id)}`}>
                          <span class="muted">{f.namespace}.</span>
                          <b>{f.id}</b>
                        </Link>
                        {f.flow.disabled && <span class="chip">disabled</span>}
                        {f.flow.description && <div class="muted small">{f.flow.description}</div>}
                      </td>
                      <td>{runsOnText(f)}</td>
                      <td>
                        {(f.flow.triggers ?? []).map((t) => t.type).join(', ') || (
                          <span class="muted">—</span>
                        )}
                      </td>
                      <td>
                        <LabelChips labels={Array.isArray(f.flow.labels) ? undefined : f.flow.labels} />
                      </td>
                      <td>{f.revision}</td>
                      <td>
                        <RelTime iso={f.updatedAt} />
                      </td>
                    </tr>
                  ))}
                </tbody>
              </table>
            </div>
          )}
        </Card>
      </div>
    </div>
  );
}
