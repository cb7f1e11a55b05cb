/** Dashboard: executions over time, failures needing attention, the fleet at a glance. */
import type { JSX } from 'preact';
import { type Agent, call, callAll, type Execution, type Page, type Stats } from '../api.js';
import { ExecutionsChart } from '../components/chart.js';
import {
  Card,
  Empty,
  ErrorBox,
  RelTime,
  useAsync,
  usePageTitle,
  useThrottled,
} from '../components/common.js';
import { ExecutionsTable } from '../components/executions-table.js';
import { bytes } from '../format.js';
import { useHubEvents } from '../live.js';
import { Link, seg, setQuery, useLocation } from '../router.js';

const RANGES: Record<string, { ms: number; interval: Stats['interval']; label: string }> = {
  '1h': { ms: 3_600_000, interval: 'minute', label: 'Last hour' },
  '24h': { ms: 86_400_000, interval: 'hour', label: 'Last 24 hours' },
  '7d': { ms: 7 * 86_400_000, interval: 'hour', label: 'Last 7 days' },
  '30d': { ms: 30 * 86_400_000, interval: 'day', label: 'Last 30 days' },
};
const FAILED = ['FAILED', 'KILLED', 'WARNING'];

export function DashboardPage(): JSX.Element {
  usePageTitle('Dashboard');
  const { query } = useLocation();
  const rangeKey = RANGES[query.get('range') ?? ''] ? query.get('range')! : '24h';
  const range = RANGES[rangeKey]!;
  const stats = useAsync(
    (signal) =>
      call<Stats>('/stats/executions', {
        query: { interval: range.interval, from: new Date(Date.now() - range.ms).toISOString() },
        signal,
      }),
    [rangeKey],
  );
  const failures = useAsync(
    (signal) =>
      call<Page<Execution>>('/executions', { query: { state: FAILED.join(','), limit: 8 }, signal }),
    [],
  );
  const agents = useAsync(() => callAll<Agent>('/agents'), []);
  const reloadExecutions = useThrottled(() => {
    stats.reload();
    failures.reload();
  }, 1000);
  useHubEvents((e) => {
    if (e.type === 'ready') {
      reloadExecutions();
      agents.reload();
    } else if (e.type === 'execution') reloadExecutions();
    else if (e.type === 'agent')
      agents.set((list) => list?.map((a) => (a.id === e.data.id ? e.data : a)) ?? list);
  });

  const live = (agents.data ?? []).filter((a) => !a.decommissioned);
  const online = live.filter((a) => a.online).length;
  const backlog = [...live]
    .filter((a) => (a.status.outbox?.depth ?? 0) > 0)
    .sort((a, b) => (b.status.outbox?.depth ?? 0) - (a.status.outbox?.depth ?? 0))
    .slice(0, 5);

  return (
    <div class="page">
      <header class="page-head">
        <h1>Dashboard</h1>
      </header>
      <div class="grid-2">
        <Card
          class="span-2"
          title="Executions over time"
          actions={
            <select
              aria-label="Period"
              value={rangeKey}
              onChange={(e) =>
                setQuery({ range: e.currentTarget.value === '24h' ? undefined : e.currentTarget.value })
              }
            >
              {Object.entries(RANGES).map(([k, r]) => (
                <option key={k} value={k}>
                  {r.label}
                </option>
              ))}
            </select>
          }
        >
          <ErrorBox error={stats.error} />
          {stats.data && <ExecutionsChart stats={stats.data} />}
        </Card>
        <Card
          title="Recent failures"
          actions={<Link href={`/executions?state=${FAILED.join(',')}`}>All</Link>}
        >
          <ErrorBox error={failures.error} />
          {failures.data && <ExecutionsTable items={failures.data.items} compact empty="No failures." />}
        </Card>
        <div class="stack">
          <Card title="Fleet" actions={<Link href="/agents">Agents</Link>}>
            <div class="kpis">
              <div class="kpi ok" data-testid="fleet-online">
                <b>{online}</b> online
              </div>
              <div class="kpi off" data-testid="fleet-offline">
                <b>{live.length - online}</b> offline
              </div>
            </div>
          </Card>
          <Card title="Largest outbox backlog">
            {backlog.length === 0 ? (
              <Empty>No agent has records waiting.</Empty>
            ) : (
              <div class="table-wrap">
                <table class="table">
                  <thead>
                    <tr>
                      <th>Agent</th>
                      <th>Records</th>
                      <th>Size</th>
                      <th>Last seen</th>
                    </tr>
                  </thead>
                  <tbody>
                    {backlog.map((a) => (
                      <tr key={a.id}>
                        <td>
                          <Link href={`/agents/${seg(a.id)}`}>{a.id}</Link>
                        </td>
                        <td>{a.status.outbox?.depth}</td>
                        <td>{bytes(a.status.outbox?.bytes)}</td>
                        <td>
                          <RelTime iso={a.lastSeenAt} />
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
    </div>
  );
}
