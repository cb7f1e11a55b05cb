/** Executions: a filterable list (filters in the URL) that takes in changes live. */
import type { JSX } from 'preact';
import { useState } from 'preact/hooks';
import { STATES } from '../../../protocol/states.js';
import { call, type Execution, type Page, type State } from '../api.js';
import { Card, ErrorBox, useAsync, usePageTitle } from '../components/common.js';
import { ExecutionsTable } from '../components/executions-table.js';
import { useHubEvents } from '../live.js';
import { Link, setQuery, useLocation } from '../router.js';

interface Filter {
  state: State[];
  namespace: string;
  flowId: string;
  agent: string;
  labels: string[];
  from: string;
  to: string;
}

function readFilter(query: URLSearchParams): Filter {
  const list = (name: string) =>
    query
      .getAll(name)
      .flatMap((v) => v.split(','))
      .filter((v) => v !== '');
  return {
    state: list('state').filter((s): s is State => (STATES as readonly string[]).includes(s)),
    namespace: query.get('namespace') ?? '',
    flowId: query.get('flowId') ?? '',
    agent: query.get('agent') ?? '',
    labels: list('labels'),
    from: query.get('from') ?? '',
    to: query.get('to') ?? '',
  };
}

/** Whether a live change belongs in the list as filtered. */
function matches(e: Execution, f: Filter): boolean {
  if (f.state.length > 0 && !f.state.includes(e.state)) return false;
  if (f.namespace && e.namespace !== f.namespace && !e.namespace.startsWith(`${f.namespace}.`)) return false;
  if (f.flowId && e.flowId !== f.flowId) return false;
  if (f.agent && (f.agent === 'hub' ? e.agentId !== null : e.agentId !== f.agent)) return false;
  for (const pair of f.labels) {
    const at = pair.indexOf(':');
    if (e.labels[pair.slice(0, at)] !== pair.slice(at + 1)) return false;
  }
  if (f.from && Date.parse(e.startDate) < Date.parse(f.from)) return false;
  if (f.to && Date.parse(e.startDate) >= Date.parse(f.to)) return false;
  return true;
}

/** `datetime-local` works in local time without a zone; the API wants ISO-8601. */
const toIso = (local: string) => (local ? new Date(local).toISOString() : undefined);
const toLocal = (iso: string) => {
  if (!iso) return '';
  const d = new Date(iso);
  return new Date(d.getTime() - d.getTimezoneOffset() * 60_000).toISOString().slice(0, 16);
};

const STATE_CHOICES: State[] = [
  'RUNNING',
  'SUCCESS',
  'WARNING',
  'FAILED',
  'KILLED',
  'PAUSED',
  'QUEUED',
  'CANCELLED',
];

export function ExecutionsPage(): JSX.Element {
  usePageTitle('Executions');
  const { query } = useLocation();
  const filter = readFilter(query);
  const key = JSON.stringify(filter);
  const [more, setMore] = useState<{ items: Execution[]; cursor?: string }>({ items: [] });
  const page = useAsync(
    (signal) =>
      call<Page<Execution>>('/executions', {
        query: {
          state: filter.state.length ? filter.state.join(',') : undefined,
          namespace: filter.namespace,
          flowId: filter.flowId,
          agent: filter.agent,
          labels: filter.labels,
          from: filter.from,
          to: filter.to,
          limit: 50,
        },
        signal,
      }).then((p) => {
        setMore({ items: [], cursor: p.nextCursor });
        return p.items;
      }),
    [key],
  );
  useHubEvents((e) => {
    if (e.type === 'ready') page.reload();
    if (e.type !== 'execution') return;
    const ex = e.data;
    page.set((items) => {
      if (!items) return items;
      const at = items.findIndex((i) => i.id === ex.id);
      if (!matches(ex, filter))
        return at >= 0 && filter.state.length > 0 ? items.filter((i) => i.id !== ex.id) : items;
      if (at >= 0) return items.map((i) => (i.id === ex.id ? ex : i));
      return [ex, ...items].sort(
        (a, b) => b.startDate.localeCompare(a.startDate) || b.id.localeCompare(a.id),
      );
    });
  });
  const loadMore = async () => {
    if (!more.cursor) return;
    const p = await call<Page<Execution>>('/executions', {
      query: {
        state: filter.state.length ? filter.state.join(',') : undefined,
        namespace: filter.namespace,
        flowId: filter.flowId,
        agent: filter.agent,
        labels: filter.labels,
        from: filter.from,
        to: filter.to,
        limit: 50,
        cursor: more.cursor,
      },
    });
    setMore({ items: [...more.items, ...p.items], cursor: p.nextCursor });
  };
  const toggleState = (s: State) =>
    setQuery({
      state: (filter.state.includes(s) ? filter.state.filter((x) => x !== s) : [...filter.state, s]).join(
        ',',
      ),
    });
  const filtered = key !== JSON.stringify(readFilter(new URLSearchParams()));
  const text = (name: keyof Filter, placeholder: string) => (
    <input
      type="search"
      placeholder={placeholder}
      aria-label={placeholder}
      value={filter[name] as string}
      onChange={(e) => setQuery({ [name]: e.currentTarget.value.trim() })}
    />
  );

  return (
    <div class="page">
      <header class="page-head">
        <h1>Executions</h1>
      </header>
      <Card>
        <div class="filters">
          {text('namespace', 'Namespace')}
          {text('flowId', 'Flow id')}
          {text('agent', "Agent id or 'hub'")}
          <input
            type="search"
            placeholder="Labels key:value, …"
            aria-label="Labels"
            value={filter.labels.join(', ')}
            onChange={(e) =>
              setQuery({
                labels: e.currentTarget.value
                  .split(',')
                  .map((s) => s.trim())
                  .filter((s) => s.includes(':')),
              })
            }
          />
          <label class="inline">
            From
            <input
              type="datetime-local"
              value={toLocal(filter.from)}
              onChange={(e) => setQuery({ from: toIso(e.currentTarget.value) })}
            />
          </label>
          <label class="inline">
            To
            <input
              type="datetime-local"
              value={toLocal(filter.to)}
              onChange={(e) => setQuery({ to: toIso(e.currentTarget.value) })}
            />
          </label>
        </div>
        <div class="filters states">
          {STATE_CHOICES.map((s) => (
            <button
              type="button"
              key={s}
              class={filter.state.includes(s) ? `toggle on state-${s.toLowerCase()}` : 'toggle'}
              aria-pressed={filter.state.includes(s)}
              onClick={() => toggleState(s)}
            >
              {s}
            </button>
          ))}
          {filtered && (
            <button
              type="button"
              class="ghost"
              onClick={() =>
                setQuery({
                  state: undefined,
                  namespace: undefined,
                  flowId: undefined,
                  agent: undefined,
                  labels: undefined,
                  from: undefined,
                  to: undefined,
                })
              }
            >
              Clear filters
            </button>
          )}
        </div>
        <ErrorBox error={page.error} />
        {page.data && (
          <ExecutionsTable
            items={[...page.data, ...more.items]}
            empty={
              filtered ? (
                'No execution matches these filters.'
              ) : (
                <>
                  No executions yet — open a <Link href="/flows">flow</Link> and Execute it, or run{' '}
                  <code>tern flows run</code>; a flow's triggers start them too.
                </>
              )
            }
          />
        )}
        {more.cursor && (
          <button type="button" class="ghost more" onClick={loadMore}>
            Load more
          </button>
        )}
      </Card>
    </div>
  );
}
