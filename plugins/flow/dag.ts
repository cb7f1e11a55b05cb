/** `dag`: runs each task as soon as the tasks it depends on have ended successfully. */
import { type Static, Type as T } from '@sinclair/typebox';
import { TaskError } from '../../protocol/errors.js';
import type { Task } from '../../protocol/flow.js';
import {
  defineTask,
  type PropertyProblem,
  TASK_REF,
  type TaskContext,
  TaskList,
} from '../../protocol/plugin.js';
import { flowableState, isFailure, mergeStates, type State } from '../../protocol/states.js';

const DagEntry = T.Object(
  {
    task: T.Unsafe<Task>({ $ref: TASK_REF }),
    dependsOn: T.Optional(
      T.Array(T.String({ minLength: 1 }), {
        description: 'Ids of tasks of this dag that must have ended successfully before this one starts',
      }),
    ),
  },
  { additionalProperties: false },
);
type DagEntry = Static<typeof DagEntry>;

export default defineTask({
  type: 'dag',
  aliases: ['io.kestra.plugin.core.flow.Dag', 'io.kestra.core.tasks.flows.Dag'],
  title: 'DAG',
  description:
    'Runs `tasks`, each written `{task, dependsOn}`, in the order their dependencies give: a task starts as soon as every task it names in `dependsOn` has ended successfully (SUCCESS, WARNING or SKIPPED), `concurrent` at most at once (0, the default, means no limit). After a failure no new task starts, and `errors` run once the running ones have ended: with `onChildFailure: CONTINUE` (the default) they run to their end, with `CANCELLED` or `FAILED` they are stopped at once and end in that state (the dag still ends FAILED), as in Kestra; `finally` runs after the tasks (and `errors`) whatever their state. A dependency on a task that is not in the dag, or a cycle, is refused when the flow is validated, naming the task.',
  properties: T.Object({
    tasks: T.Array(DagEntry, { minItems: 1 }),
    concurrent: T.Optional(T.Integer({ minimum: 0, default: 0 })),
    onChildFailure: T.Optional(
      T.Union([T.Literal('CONTINUE'), T.Literal('CANCELLED'), T.Literal('FAILED')], {
        default: 'CONTINUE',
        description:
          'When a task fails (no retry left), what becomes of the others still running: CONTINUE lets them end, CANCELLED or FAILED stops them in that state',
      }),
    ),
    errors: T.Optional(TaskList()),
  }),
  children: ['tasks', 'errors'],
  examples: [
    {
      title: 'Two branches joined',
      code: '- id: dag\n  type: dag\n  tasks:\n    - task: { id: extract, type: log, message: extract }\n    - task: { id: left, type: log, message: left }\n      dependsOn: [extract]\n    - task: { id: right, type: log, message: right }\n      dependsOn: [extract]\n    - task: { id: join, type: log, message: join }\n      dependsOn: [left, right]',
    },
  ],
  check: (props) => dagProblems(props.tasks),
  async run(props, ctx) {
    const state = await runDag(ctx, props.tasks, props.concurrent ?? 0, props.onChildFailure ?? 'CONTINUE');
    if (isFailure(state) && props.errors?.length) await ctx.runTasks(props.errors);
    return { state: flowableState(state) };
  },
});

const succeeded = (state: State | undefined): boolean =>
  state === 'SUCCESS' || state === 'WARNING' || state === 'SKIPPED';

/**
 * Starts every task whose dependencies succeeded, `limit` at most at once, until none is left to start;
 * after a failure, stops the running ones unless `onFailure` is CONTINUE.
 */
function runDag(
  ctx: TaskContext,
  entries: readonly DagEntry[],
  limit: number,
  onFailure: 'CONTINUE' | 'CANCELLED' | 'FAILED',
): Promise<State> {
  const stopOthers = new AbortController();
  const options =
    onFailure === 'CONTINUE'
      ? {}
      : {
          interrupt: {
            signal: stopOthers.signal,
            state: onFailure,
            reason: `stopped: another task of the dag failed (onChildFailure: ${onFailure})`,
          },
        };
  const ended = new Map<string, State>();
  const waiting = [...entries];
  let running = 0;
  let failed = false;
  return new Promise<State>((resolve, reject) => {
    const finish = () => {
      if (!failed && waiting.length > 0) {
        const ids = waiting.map((e) => e.task.id).join(', ');
        reject(new TaskError(`tasks ${ids} never became ready: their dependencies did not succeed`, false));
      } else resolve(mergeStates(ended.values()));
    };
    const launch = () => {
      for (let i = 0; i < waiting.length && !failed && (limit <= 0 || running < limit); ) {
        const entry = waiting[i]!;
        if (!(entry.dependsOn ?? []).every((id) => succeeded(ended.get(id)))) {
          i++;
          continue;
        }
        waiting.splice(i, 1);
        running++;
        ctx.runTasks([entry.task], options).then(
          (state) => {
            running--;
            ended.set(entry.task.id, state);
            if (isFailure(state) || !succeeded(state)) {
              failed = true;
              stopOthers.abort();
            }
            launch();
          },
          (err: unknown) => {
            failed = true;
            reject(err);
          },
        );
      }
      if (running === 0) finish();
    };
    launch();
  });
}

/**
 * Dependencies that name no task of the dag, and tasks that depend on
 * themselves through a cycle, as Kestra refuses them.
 */
export function dagProblems(entries: readonly DagEntry[]): PropertyProblem[] {
  const problems: PropertyProblem[] = [];
  const deps = new Map<string, readonly string[]>();
  for (const entry of entries) deps.set(entry.task.id, entry.dependsOn ?? []);
  entries.forEach((entry, i) => {
    const unknown = (entry.dependsOn ?? []).filter((id) => !deps.has(id));
    if (unknown.length > 0)
      problems.push({
        path: `tasks.${i}.dependsOn`,
        message: `task '${entry.task.id}' depends on ${unknown.map((id) => `'${id}'`).join(', ')}, which ${unknown.length > 1 ? 'are' : 'is'} not a task of this dag`,
      });
  });
  entries.forEach((entry, i) => {
    const cycle = cycleFrom(entry.task.id, deps);
    if (cycle)
      problems.push({
        path: `tasks.${i}.dependsOn`,
        message: `task '${entry.task.id}' depends on itself through a cycle: ${[...cycle, entry.task.id].join(' → ')}`,
      });
  });
  return problems;
}

/** The path from `start` back to itself through `dependsOn`, if there is one. */
function cycleFrom(start: string, deps: ReadonlyMap<string, readonly string[]>): string[] | undefined {
  const seen = new Set<string>();
  const stack: { id: string; path: string[] }[] = [{ id: start, path: [start] }];
  while (stack.length > 0) {
    const { id, path } = stack.pop()!;
    for (const dep of deps.get(id) ?? []) {
      if (dep === start) return path;
      if (!seen.has(dep)) {
        seen.add(dep);
        stack.push({ id: dep, path: [...path, dep] });
      }
    }
  }
  return undefined;
}
