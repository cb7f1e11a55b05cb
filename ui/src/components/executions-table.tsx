/** A table of executions, linking to each. */
import type { ComponentChildren, JSX } from 'preact';
import type { Execution } from '../api.js';
import { duration, span } from '../format.js';
import { Link, seg } from '../router.js';
import { Empty, LabelChips, RelTime, StateBadge } from './common.js';

export function ExecutionsTable(props: {
  items: Execution[];
  compact?: boolean;
  /** What to say when there are none (default "No executions."). */
  empty?: ComponentChildren;
}): JSX.Element {
  if (props.items.length === 0) return <Empty>{props.empty ?? 'No executions.'}</Empty>;
  return (
    <div class="table-wrap">
      <table class="table" data-testid="executions-table">
        <thead>
          <tr>
            <th>Execution</th>
            <th>Flow</th>
            <th>State</th>
            <th>Started</th>
            <th>Duration</th>
            {!props.compact && <th>Agent</th>}
            {!props.compact && <th>Labels</th>}
          </tr>
        </thead>
        <tbody>
          {props.items.map((e) => (
            <tr key={e.id} data-execution={e.id}>
              <td>
                <Link href={`/executions/${seg(e.id)}`} class="mono">
                  {e.id.slice(0, 12)}
                </Link>
              </td>
              <td>
                <Link href={`/flows/${seg(e.namespace)}/${seg(e.flowId)}`}>
                  <span class="muted">{e.namespace}.</span>
                  {e.flowId}
                </Link>
              </td>
              <td>
                <StateBadge state={e.state} />
              </td>
              <td>
                <RelTime iso={e.startDate} />
              </td>
              <td>{duration(span(e.startDate, e.endDate))}</td>
              {!props.compact && (
                <td>
                  {e.agentId ? (
                    <Link href={`/agents/${seg(e.agentId)}`}>{e.agentId}</Link>
                  ) : (
                    <span class="muted">hub</span>
                  )}
                </td>
              )}
              {!props.compact && (
                <td>
                  <LabelChips labels={e.labels} />
                </td>
              )}
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}
