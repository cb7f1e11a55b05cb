/** One execution, live: Gantt timeline, topology by state, logs with a live tail, inputs and outputs, actions. */
import type { JSX } from 'preact';
import { useEffect, useRef, useState } from 'preact/hooks';
import { LOG_LEVELS } from '../../../protocol/execution.js';
import { isTerminal } from '../../../protocol/states.js';
import {
  API,
  call,
  callAll,
  type Execution,
  type ExecutionWithTaskRuns,
  type FlowRecord,
  type LogLine,
  type State,
  type TaskRun,
} from '../api.js';
import {
  Card,
  ErrorBox,
  LabelChips,
  RelTime,
  StateBadge,
  useAsync,
  usePageTitle,
} from '../components/common.js';
import { Gantt } from '../components/gantt.js';
import { onResumeInputs, ResumeDialog } from '../components/resume-dialog.js';
import { TabPanel, Tabs } from '../components/tabs.js';
import { Topology } from '../components/topology.js';
import { dateTime, duration, span } from '../format.js';
import { Link, navigate, seg, setQuery, useLocation } from '../router.js';
import { readEvents } from '../sse.js';

const TABS = [
  ['gantt', 'Gantt'],
  ['topology', 'Topology'],
  ['logs', 'Logs'],
  ['io', 'Inputs & outputs'],
] as const;
type TabKey = (typeof TABS)[number][0];

const logKey = (l: LogLine) => `${l.timestamp}|${l.taskRunId}|${l.attempt}|${l.message}`;

interface Live {
  execution: Execution | undefined;
  taskRuns: TaskRun[];
  logs: LogLine[];
  error: unknown;
}

/** The execution, its task runs and logs: read once, then kept current from the follow stream until it ends. */
function useLiveExecution(id: string, generation: number): Live {
  const [live, setLive] = useState<Live>({ execution: undefined, taskRuns: [], logs: [], error: undefined });
  useEffect(() => {
    const abort = new AbortController();
    const seen = new Set<string>();
    const addLogs = (lines: LogLine[]) => {
      const fresh = lines.filter((l) => !seen.has(logKey(l)));
      for (const l of fresh) seen.add(logKey(l));
      if (fresh.length > 0) setLive((s) => ({ ...s, logs: [...s.logs, ...fresh] }));
    };
    const upsertRun = (tr: TaskRun) =>
      setLive((s) => {
        const at = s.taskRuns.findIndex((t) => t.id === tr.id);
        const taskRuns = at >= 0 ? s.taskRuns.map((t) => (t.id === tr.id ? tr : t)) : [...s.taskRuns, tr];
        return { ...s, taskRuns };
      });
    let logsLoaded = false;
    const loadLogs = async () => {
      const lines = await callAll<LogLine>(`/executions/${seg(id)}/logs`, {}, 5000);
      if (!abort.signal.aborted) addLogs(lines);
    };
    readEvents(
      `${API}/executions/${seg(id)}/follow`,
      (m) => {
        const data = JSON.parse(m.data);
        if (m.event === 'execution') {
          const { taskRuns, ...execution } = data as ExecutionWithTaskRuns;
          setLive((s) => ({ ...s, execution, ...(taskRuns && { taskRuns }), error: undefined }));
          if (!logsLoaded) {
            logsLoaded = true;
            void loadLogs();
          }
        } else if (m.event === 'taskRun') upsertRun(data as TaskRun);
        else if (m.event === 'log') addLogs([data as LogLine]);
        else if (m.event === 'end') void loadLogs();
      },
      abort.signal,
    ).catch((error: unknown) => {
      if (!abort.signal.aborted) setLive((s) => ({ ...s, error }));
    });
    return () => abort.abort();
  }, [id, generation]);
  return live;
}

function Logs({ logs, taskIds }: { logs: LogLine[]; taskIds: string[] }): JSX.Element {
  const { query } = useLocation();
  const level = query.get('level') ?? 'TRACE';
  const task = query.get('task') ?? '';
  const [tail, setTail] = useState(true);
  const box = useRef<HTMLDivElement>(null);
  const min = LOG_LEVELS.indexOf(level as LogLine['level']);
  const shown = logs.filter((l) => LOG_LEVELS.indexOf(l.level) >= min && (!task || l.taskId === task));
  useEffect(() => {
    if (tail && box.current) box.current.scrollTop = box.current.scrollHeight;
  }, [shown.length, tail]);
  return (
    <div>
      <div class="filters">
        <select
          aria-label="Minimum level"
          value={level}
          onChange={(e) =>
            setQuery({ level: e.currentTarget.value === 'TRACE' ? undefined : e.currentTarget.value })
          }
        >
          {LOG_LEVELS.map((l) => (
            <option key={l} value={l}>
              {l} and above
            </option>
          ))}
        </select>
        <select aria-label="Task" value={task} onChange={(e) => setQuery({ task: e.currentTarget.value })}>
          <option value="">All tasks</option>
          {taskIds.map((t) => (
            <option key={t} value={t}>
              {t}
            </option>
          ))}
        </select>
        <label class="inline">
          <input type="checkbox" checked={tail} onChange={(e) => setTail(e.currentTarget.checked)} /> Live
          tail
        </label>
        <span class="muted small">
          {shown.length} of {logs.length} lines
        </span>
      </div>
      <div class="logs" ref={box} data-testid="logs">
        {shown.map((l, i) => (
          <div class={`log level-${l.level.toLowerCase()}`} key={i}>
            <span class="log-time">
              {new Date(l.timestamp).toLocaleTimeString(undefined, { hour12: false })}
            </span>
            <span class="log-level">{l.level}</span>
            <span class="log-task">{l.taskId ?? ''}</span>
            <span class="log-msg">{l.message}</span>
          </div>
        ))}
        {shown.length === 0 && <div class="muted">No log lines.</div>}
      </div>
    </div>
  );
}

const Json = ({ value }: { value: unknown }) => <pre class="json">{JSON.stringify(value, null, 2)}</pre>;

export function ExecutionPage({ id }: { id: string }): JSX.Element {
  const { query } = useLocation();
  const asked = query.get('tab');
  const tab: TabKey = TABS.find(([key]) => key === asked)?.[0] ?? 'gantt';
  const [generation, setGeneration] = useState(0);
  const { execution, taskRuns, logs, error } = useLiveExecution(id, generation);
  const [actionError, setActionError] = useState<unknown>(undefined);
  const [resuming, setResuming] = useState(false);
  const [now, setNow] = useState(Date.now());
  const running = execution !== undefined && !isTerminal(execution.state);
  usePageTitle(
    execution && `${execution.namespace}.${execution.flowId} · execution ${execution.id.slice(0, 8)}`,
  );
  useEffect(() => {
    if (!running) return;
    const t = setInterval(() => setNow(Date.now()), 500);
    return () => clearInterval(t);
  }, [running]);
  const flow = useAsync(
    (signal) =>
      execution
        ? call<FlowRecord>(`/flows/${seg(execution.namespace)}/${seg(execution.flowId)}`, {
            signal,
            query: { includeDeleted: true },
          })
        : Promise.resolve(undefined),
    [execution?.namespace, execution?.flowId],
  );

  const act = async (action: 'kill' | 'restart' | 'replay') => {
    setActionError(undefined);
    try {
      const res = await call<Execution & { executionId?: string }>(`/executions/${seg(id)}/${action}`, {
        method: 'POST',
      });
      if (action === 'replay') {
        const next = res?.executionId ?? res?.id;
        if (next) navigate(`/executions/${seg(next)}`);
      } else setGeneration((g) => g + 1);
    } catch (err) {
      setActionError(err);
    }
  };

  if (!execution)
    return <div class="page">{error ? <ErrorBox error={error} /> : <div class="loading">Loading…</div>}</div>;
  const states: Record<string, State> = {};
  for (const tr of [...taskRuns].sort((a, b) => a.startDate.localeCompare(b.startDate)))
    states[tr.taskId] = tr.state;
  const taskIds = [...new Set(taskRuns.map((t) => t.taskId))];

  return (
    <div class="page">
      <header class="page-head">
        <div>
          <div class="crumbs">
            <Link href="/executions">Executions</Link> /{' '}
            <Link href={`/executions?namespace=${seg(execution.namespace)}&flowId=${seg(execution.flowId)}`}>
              {execution.flowId}
            </Link>
          </div>
          <h1>
            <span>
              <span class="muted">{execution.namespace}.</span>
              {execution.flowId}
            </span>{' '}
            <StateBadge state={execution.state} />
          </h1>
          <div class="subtitle">
            execution <span class="mono">{execution.id}</span>
          </div>
        </div>
        <div class="actions">
          {execution.state === 'PAUSED' && (
            <button type="button" class="primary" onClick={() => setResuming(true)}>
              Resume
            </button>
          )}
          <button type="button" class="danger" disabled={!running} onClick={() => act('kill')}>
            Kill
          </button>
          <button
            type="button"
            disabled={running || !['FAILED', 'KILLED', 'WARNING'].includes(execution.state)}
            onClick={() => act('restart')}
          >
            Restart
          </button>
          <button type="button" disabled={running} onClick={() => act('replay')}>
            Replay
          </button>
        </div>
      </header>
      {resuming && (
        <ResumeDialog
          executionId={id}
          inputs={onResumeInputs(flow.data, taskRuns)}
          onClose={() => setResuming(false)}
          onResumed={() => {
            setResuming(false);
            setGeneration((g) => g + 1);
          }}
        />
      )}
      <ErrorBox error={actionError ?? error} />
      <Card>
        <dl class="facts">
          <div>
            <dt>Flow</dt>
            <dd>
              <Link href={`/flows/${seg(execution.namespace)}/${seg(execution.flowId)}`}>
                {execution.namespace}.{execution.flowId}
              </Link>{' '}
              <span class="muted">rev {execution.flowRevision}</span>
            </dd>
          </div>
          <div>
            <dt>Ran on</dt>
            <dd>
              {execution.agentId ? (
                <Link href={`/agents/${seg(execution.agentId)}`}>{execution.agentId}</Link>
              ) : (
                'hub'
              )}
            </dd>
          </div>
          <div>
            <dt>Started</dt>
            <dd title={dateTime(execution.startDate)}>
              <RelTime iso={execution.startDate} />
            </dd>
          </div>
          <div>
            <dt>Duration</dt>
            <dd data-testid="duration">
              {duration(span(execution.startDate, execution.endDate ?? new Date(now).toISOString()))}
            </dd>
          </div>
          <div>
            <dt>Labels</dt>
            <dd>
              <LabelChips labels={execution.labels} />
            </dd>
          </div>
          {execution.originalId !== execution.id && (
            <div>
              <dt>Replay of</dt>
              <dd>
                <Link href={`/executions/${seg(execution.originalId)}`} class="mono">
                  {execution.originalId.slice(0, 12)}
                </Link>
              </dd>
            </div>
          )}
        </dl>
        {execution.error && <div class="error-box">{execution.error}</div>}
      </Card>
      <Tabs
        id="execution"
        label="Execution views"
        tabs={TABS}
        selected={tab}
        onSelect={(key) => setQuery({ tab: key === 'gantt' ? undefined : key })}
      />
      <TabPanel id="execution" selected={tab}>
        <Card>
          {tab === 'gantt' && <Gantt execution={execution} taskRuns={taskRuns} now={now} />}
          {tab === 'topology' &&
            (flow.data ? (
              <>
                {flow.data.revision !== execution.flowRevision && (
                  <p class="muted small">
                    Shown: revision {flow.data.revision}; this execution ran revision {execution.flowRevision}
                    .
                  </p>
                )}
                <Topology
                  flow={flow.data.flow}
                  states={states}
                  onSelect={(t) => setQuery({ tab: 'logs', task: t })}
                />
              </>
            ) : (
              <ErrorBox error={flow.error} />
            ))}
          {tab === 'logs' && <Logs logs={logs} taskIds={taskIds} />}
          {tab === 'io' && (
            <div class="grid-2">
              <div>
                <h3>Inputs</h3>
                <Json value={execution.inputs} />
                {execution.trigger && (
                  <>
                    <h3>Trigger</h3>
                    <Json value={execution.trigger} />
                  </>
                )}
              </div>
              <div>
                <h3>Outputs</h3>
                <Json value={execution.outputs} />
                <h3>Task outputs</h3>
                <Json
                  value={Object.fromEntries(
                    taskRuns
                      .filter((t) => Object.keys(t.outputs).length > 0)
                      .map((t) => [t.value === null ? t.taskId : `${t.taskId}[${t.value}]`, t.outputs]),
                  )}
                />
              </div>
            </div>
          )}
        </Card>
      </TabPanel>
    </div>
  );
}
