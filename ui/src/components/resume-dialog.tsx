/** "Resume": the `onResume` inputs of the paused tasks as a form; resumes the execution with them. */
import type { JSX } from 'preact';
import { useState } from 'preact/hooks';
import { findTask, type Input } from '../../../protocol/flow.js';
import { ApiError, call, type FlowRecord, type TaskRun } from '../api.js';
import { seg } from '../router.js';
import { ErrorBox, Modal } from './common.js';
import { Field, initial, type Value, wire } from './execute-dialog.js';

/** The `onResume` inputs the execution's paused tasks declare. */
export function onResumeInputs(record: FlowRecord | undefined, taskRuns: readonly TaskRun[]): Input[] {
  const paused = taskRuns.filter((tr) => tr.state === 'PAUSED').map((tr) => tr.taskId);
  return paused.flatMap((id) => {
    const declared = findTask([record?.flow.tasks, record?.flow.errors, record?.flow.finally], id)?.onResume;
    return Array.isArray(declared) ? (declared as Input[]) : [];
  });
}

export function ResumeDialog(props: {
  executionId: string;
  inputs: Input[];
  onClose(): void;
  onResumed(): void;
}): JSX.Element {
  const { inputs } = props;
  const [values, setValues] = useState<Record<string, Value>>(() =>
    Object.fromEntries(inputs.map((i) => [i.id, initial(i)])),
  );
  const [error, setError] = useState<unknown>(undefined);
  const problems = error instanceof ApiError ? error.problems : [];
  const submit = async (e: Event) => {
    e.preventDefault();
    setError(undefined);
    const json: Record<string, unknown> = {};
    for (const i of inputs) {
      const v = wire(i, values[i.id]);
      if (v !== undefined) json[i.id] = v;
    }
    try {
      await call(`/executions/${seg(props.executionId)}/resume`, { json });
      props.onResumed();
    } catch (err) {
      setError(err);
    }
  };
  return (
    <Modal title="Resume the execution" onClose={props.onClose}>
      <form class="form" onSubmit={submit} data-testid="resume-form">
        {inputs.map((i) => (
          <div class="field" key={i.id}>
            <label for={`input-${i.id}`}>
              {i.displayName ?? i.id} <span class="muted small">{i.type}</span>
            </label>
            <Field input={i} value={values[i.id]} onChange={(v) => setValues({ ...values, [i.id]: v })} />
            {i.description && <div class="muted small">{i.description}</div>}
            {problems
              .filter((p) => p.path === `inputs.${i.id}`)
              .map((p) => (
                <div class="field-error" key={p.message}>
                  {p.message}
                </div>
              ))}
          </div>
        ))}
        <ErrorBox error={error} />
        <button type="submit" class="primary">
          Resume
        </button>
      </form>
    </Modal>
  );
}
