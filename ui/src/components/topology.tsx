/**
 * A flow's structure: triggers, then its tasks top to bottom; `parallel`
 * branches side by side, `if`/`switch` branches as labelled columns, a `dag`'s
 * tasks side by side labelled with what they wait for, `foreach` and `waitFor`
 * as loop boxes. Given task-run states, each task is coloured by its state.
 */
import type { JSX } from 'preact';
import type { Flow, State } from '../api.js';

type Task = { id: string; type: string; [key: string]: unknown };

const KIND: Record<string, string> = {
  parallel: 'parallel',
  sequential: 'sequential',
  if: 'if',
  switch: 'switch',
  foreach: 'foreach',
  eachsequential: 'foreach',
  eachparallel: 'foreach',
  allowfailure: 'allowFailure',
  dag: 'dag',
  waitfor: 'waitFor',
  loopuntil: 'waitFor',
  workingdirectory: 'workingDirectory',
  worker: 'workingDirectory',
};

/** `parallel`, `io.kestra.plugin.core.flow.Parallel` → 'parallel'; other types → undefined. */
export function flowableKind(type: string): string | undefined {
  return KIND[(type.split('.').pop() ?? type).toLowerCase()];
}

const shortType = (type: string) => (type.startsWith('io.kestra.') ? type.split('.').pop()! : type);
const tasksOf = (value: unknown): Task[] => (Array.isArray(value) ? (value as Task[]) : []);
const text = (value: unknown) => (typeof value === 'string' ? value : JSON.stringify(value));

const nonEmpty = (branches: [string, Task[]][]) => branches.filter(([, tasks]) => tasks.length > 0);

interface Props {
  /** Latest state by task id (from the execution's task runs). */
  states?: Record<string, State>;
  onSelect?(taskId: string): void;
}

function Node({ task, props }: { task: Task; props: Props }): JSX.Element {
  const state = props.states?.[task.id];
  return (
    <button
      type="button"
      class={`topo-node ${state ? `state-${state.toLowerCase()}` : ''}`}
      data-task={task.id}
      data-state={state}
      title={state ? `${task.id}: ${state}` : task.id}
      onClick={() => props.onSelect?.(task.id)}
    >
      <b>{task.id}</b>
      <span class="muted small">{shortType(task.type)}</span>
    </button>
  );
}

function Branches({ branches, props }: { branches: [string, Task[]][]; props: Props }): JSX.Element {
  return (
    <div class="topo-branches">
      {branches.map(([label, tasks]) => (
        <div class="topo-branch" key={label}>
          {label && <div class="topo-branch-label">{label}</div>}
          <Sequence tasks={tasks} props={props} />
        </div>
      ))}
    </div>
  );
}

function Group({ task, props }: { task: Task; props: Props }): JSX.Element {
  const kind = flowableKind(task.type)!;
  const state = props.states?.[task.id];
  let body: JSX.Element;
  let detail = '';
  if (kind === 'parallel') {
    body = <Branches branches={tasksOf(task.tasks).map((t) => ['', [t]])} props={props} />;
  } else if (kind === 'dag') {
    body = <Branches branches={dagBranches(task.tasks)} props={props} />;
  } else if (kind === 'if') {
    detail = text(task.condition);
    body = (
      <Branches
        branches={[
          ['then', tasksOf(task.then)],
          ['else', tasksOf(task.else)],
        ]}
        props={props}
      />
    );
  } else if (kind === 'switch') {
    detail = text(task.value);
    const cases = Object.entries((task.cases ?? {}) as Record<string, unknown>).map(
      ([k, v]) => [`case ${k}`, tasksOf(v)] as [string, Task[]],
    );
    body = <Branches branches={[...cases, ['defaults', tasksOf(task.defaults)]]} props={props} />;
  } else {
    if (kind === 'foreach') detail = `↻ ${text(task.values ?? task.value ?? task.items ?? '')}`;
    if (kind === 'waitFor') detail = `↻ until ${text(task.condition)}`;
    body = <Sequence tasks={tasksOf(task.tasks)} props={props} />;
  }
  return (
    <div
      class={`topo-group kind-${kind} ${state ? `state-${state.toLowerCase()}` : ''}`}
      data-task={task.id}
      data-state={state}
    >
      <button type="button" class="topo-group-head" onClick={() => props.onSelect?.(task.id)}>
        <b>{task.id}</b> <span class="chip">{kind}</span> {detail && <code class="small">{detail}</code>}
      </button>
      {body}
      {(task.errors || task.finally) && (
        <Branches
          branches={nonEmpty([
            ['errors', tasksOf(task.errors)],
            ['finally', tasksOf(task.finally)],
          ])}
          props={props}
        />
      )}
    </div>
  );
}

/** A dag's entries (`{task, dependsOn}`) as one branch each, labelled with what the task waits for. */
function dagBranches(entries: unknown): [string, Task[]][] {
  if (!Array.isArray(entries)) return [];
  return entries.map((entry: { task?: Task; dependsOn?: string[] }) => [
    entry.dependsOn?.length ? `after ${entry.dependsOn.join(', ')}` : 'first',
    entry.task ? [entry.task] : [],
  ]);
}

function Sequence({ tasks, props }: { tasks: Task[]; props: Props }): JSX.Element {
  if (tasks.length === 0) return <div class="topo-empty muted small">nothing</div>;
  return (
    <div class="topo-seq">
      {tasks.map((t) => (
        <div class="topo-step" key={t.id}>
          {flowableKind(t.type) ? <Group task={t} props={props} /> : <Node task={t} props={props} />}
        </div>
      ))}
    </div>
  );
}

/** The whole flow: triggers, tasks, and the `errors` and `finally` branches beside them. */
export function Topology({ flow, ...props }: { flow: Flow } & Props): JSX.Element {
  const triggers = (flow.triggers ?? []) as Task[];
  const side = nonEmpty([
    ['errors', tasksOf(flow.errors)],
    ['finally', tasksOf(flow.finally)],
  ]);
  return (
    <div class="topology" data-testid="topology">
      {triggers.length > 0 && (
        <div class="topo-triggers">
          {triggers.map((t) => (
            <span class="topo-trigger" key={t.id} title={t.type}>
              ⚡ {t.id} <span class="muted small">{shortType(t.type)}</span>
            </span>
          ))}
        </div>
      )}
      <div class="topo-main">
        <div class="topo-branch">
          <div class="topo-branch-label">tasks</div>
          <Sequence tasks={tasksOf(flow.tasks)} props={props} />
        </div>
        {side.length > 0 && <Branches branches={side} props={props} />}
      </div>
    </div>
  );
}
