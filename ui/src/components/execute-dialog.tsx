/** "Execute": a form generated from the flow's typed inputs; starts the execution and opens it. Its fields serve the Resume form too. */
import type { JSX } from 'preact';
import { useState } from 'preact/hooks';
import type { Input } from '../../../protocol/flow.js';
import { type Agent, ApiError, call, callAll, type Execution, type FlowRecord } from '../api.js';
import { navigate, seg } from '../router.js';
import { ErrorBox, Modal, useAsync } from './common.js';

export type Value = string | boolean | string[] | File | undefined;

export function initial(input: Input): Value {
  const d = input.defaults;
  if (input.type === 'BOOLEAN' || input.type === 'BOOL') return d === true || d === 'true';
  if (input.type === 'MULTISELECT') return Array.isArray(d) ? d.map(String) : [];
  if (d === undefined || d === null) return '';
  return typeof d === 'string' ? d : JSON.stringify(d);
}

/** The value the API gets: strings are converted to the declared type by the hub. */
export function wire(input: Input, value: Value): unknown {
  if (value === '' || value === undefined) return undefined;
  if ((input.type === 'JSON' || input.type === 'ARRAY') && typeof value === 'string') {
    try {
      return JSON.parse(value);
    } catch {
      return input.type === 'ARRAY' ? value.split('\n').filter((l) => l.trim() !== '') : value;
    }
  }
  if (input.type === 'DATETIME' && typeof value === 'string' && !/[zZ]|[+-]\d\d:\d\d$/.test(value))
    return new Date(value).toISOString();
  return value;
}

export function Field({
  input,
  value,
  onChange,
}: {
  input: Input;
  value: Value;
  onChange(v: Value): void;
}): JSX.Element {
  const common = {
    name: input.id,
    id: `input-${input.id}`,
    required: input.required === true && input.defaults === undefined,
  };
  const str = typeof value === 'string' ? value : '';
  const onText = (e: { currentTarget: { value: string } }) => onChange(e.currentTarget.value);
  switch (input.type) {
    case 'BOOLEAN':
    case 'BOOL':
      return (
        <input
          {...common}
          required={false}
          type="checkbox"
          checked={value === true}
          onChange={(e) => onChange(e.currentTarget.checked)}
        />
      );
    case 'INT':
    case 'FLOAT':
      return (
        <input
          {...common}
          type="number"
          step={input.type === 'INT' ? 1 : 'any'}
          value={str}
          onInput={onText}
        />
      );
    case 'SELECT':
      return (
        <select {...common} value={str} onChange={onText}>
          <option value="">—</option>
          {(input.values ?? input.options ?? []).map((v) => (
            <option key={v} value={v}>
              {v}
            </option>
          ))}
        </select>
      );
    case 'MULTISELECT':
      return (
        <select
          {...common}
          multiple
          onChange={(e) => onChange([...e.currentTarget.selectedOptions].map((o) => o.value))}
        >
          {(input.values ?? input.options ?? []).map((v) => (
            <option key={v} value={v} selected={Array.isArray(value) && value.includes(v)}>
              {v}
            </option>
          ))}
        </select>
      );
    case 'DATETIME':
      return <input {...common} type="datetime-local" step="1" value={str} onInput={onText} />;
    case 'DATE':
      return <input {...common} type="date" value={str} onInput={onText} />;
    case 'TIME':
      return <input {...common} type="time" step="1" value={str} onInput={onText} />;
    case 'SECRET':
      return <input {...common} type="password" autoComplete="off" value={str} onInput={onText} />;
    case 'JSON':
    case 'ARRAY':
      return (
        <textarea
          {...common}
          rows={3}
          class="mono"
          value={str}
          onInput={onText}
          placeholder={input.type === 'ARRAY' ? '["a", "b"] or one per line' : '{"key": "value"}'}
        />
      );
    case 'FILE':
      return <input {...common} type="file" onChange={(e) => onChange(e.currentTarget.files?.[0])} />;
    case 'URI':
      return <input {...common} type="url" value={str} onInput={onText} />;
    default:
      return (
        <input
          {...common}
          type="text"
          value={str}
          onInput={onText}
          placeholder={input.type === 'DURATION' ? 'PT5M' : ''}
        />
      );
  }
}

export function ExecuteDialog({ record, onClose }: { record: FlowRecord; onClose(): void }): JSX.Element {
  const inputs = (record.flow.inputs ?? []) as Input[];
  const onAgents = record.flow.runsOn !== undefined && record.flow.runsOn !== 'hub';
  const [values, setValues] = useState<Record<string, Value>>(() =>
    Object.fromEntries(inputs.map((i) => [i.id, initial(i)])),
  );
  const [agent, setAgent] = useState('*');
  const [error, setError] = useState<unknown>(undefined);
  const [busy, setBusy] = useState(false);
  const agents = useAsync(() => (onAgents ? callAll<Agent>('/agents') : Promise.resolve([])), []);
  const problems = error instanceof ApiError ? error.problems : [];
  const problemOf = (id: string) =>
    problems.filter((p) => p.path === `inputs.${id}` || p.path === id).map((p) => p.message);

  const submit = async (e: Event) => {
    e.preventDefault();
    setBusy(true);
    setError(undefined);
    try {
      const path = `/executions/${seg(record.namespace)}/${seg(record.id)}`;
      const query = onAgents ? { agent } : undefined;
      let res: Execution & { executionIds?: string[] };
      if (inputs.some((i) => i.type === 'FILE')) {
        const form = new FormData();
        for (const i of inputs) {
          const v = values[i.id];
          if (v instanceof File) form.append(i.id, v);
          else if (Array.isArray(v)) for (const x of v) form.append(i.id, x);
          else if (v !== undefined && v !== '') form.append(i.id, String(v));
        }
        res = await call(path, { form, query });
      } else {
        const json: Record<string, unknown> = {};
        for (const i of inputs) {
          const v = wire(i, values[i.id]);
          if (v !== undefined) json[i.id] = v;
        }
        res = await call(path, { json, query });
      }
      const id = res.executionIds?.[0] ?? res.id;
      onClose();
      navigate(`/executions/${seg(id)}`);
    } catch (err) {
      setError(err);
    } finally {
      setBusy(false);
    }
  };

  return (
    <Modal title={`Execute ${record.namespace}.${record.id}`} onClose={onClose}>
      <form class="form" onSubmit={submit} data-testid="execute-form">
        {inputs.length === 0 && <p class="muted">This flow has no inputs.</p>}
        {inputs.map((i) => (
          <div class="field" key={i.id}>
            <label for={`input-${i.id}`}>
              {i.displayName ?? i.id} <span class="muted small">{i.type}</span>
              {i.required && i.defaults === undefined && <span class="req">*</span>}
            </label>
            <Field input={i} value={values[i.id]} onChange={(v) => setValues({ ...values, [i.id]: v })} />
            {i.description && <div class="muted small">{i.description}</div>}
            {problemOf(i.id).map((m) => (
              <div class="field-error" key={m}>
                {m}
              </div>
            ))}
          </div>
        ))}
        {onAgents && (
          <div class="field">
            <label for="agent">Run on</label>
            <select id="agent" value={agent} onChange={(e) => setAgent(e.currentTarget.value)}>
              <option value="*">Every agent the flow is assigned to</option>
              {(agents.data ?? [])
                .filter((a) => !a.decommissioned)
                .map((a) => (
                  <option key={a.id} value={a.id}>
                    {a.id} {a.online ? '' : '(offline)'}
                  </option>
                ))}
            </select>
          </div>
        )}
        <ErrorBox error={problems.length > 0 ? undefined : error} />
        {problems.length > 0 && <div class="error-box">The inputs are not valid.</div>}
        <button type="submit" class="primary" disabled={busy}>
          Execute
        </button>
      </form>
    </Modal>
  );
}
