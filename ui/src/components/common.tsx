/** Small shared pieces: state badges, times, labels, errors, the async-data hook. */
import type { ComponentChildren, JSX } from 'preact';
import { useCallback, useEffect, useRef, useState } from 'preact/hooks';
import { ApiError, type State } from '../api.js';
import { ago, dateTime } from '../format.js';

/** A coloured pill for an execution or task-run state. */
export function StateBadge({ state }: { state: State }): JSX.Element {
  return (
    <span class={`badge state-${state.toLowerCase()}`} data-state={state}>
      {state}
    </span>
  );
}

/** A relative time with the exact one as a tooltip; refreshes every few seconds. */
export function RelTime({ iso }: { iso: string | null | undefined }): JSX.Element {
  const [, tick] = useState(0);
  useEffect(() => {
    const t = setInterval(() => tick((n) => n + 1), 10_000);
    return () => clearInterval(t);
  }, []);
  return <time title={dateTime(iso)}>{ago(iso)}</time>;
}

/** Names the browser tab after the page shown: "`what` · Tern" (just "Tern" while `what` is unknown). */
export function usePageTitle(what: string | undefined): void {
  useEffect(() => {
    document.title = what ? `${what} · Tern` : 'Tern';
  }, [what]);
}

/** `key=value` chips. */
export function LabelChips({ labels }: { labels: Record<string, string> | undefined }): JSX.Element {
  const entries = Object.entries(labels ?? {});
  if (entries.length === 0) return <span class="muted">—</span>;
  return (
    <span class="chips">
      {entries.map(([k, v]) => (
        <span class="chip" key={k}>
          {k}={v}
        </span>
      ))}
    </span>
  );
}

export function ErrorBox({ error }: { error: unknown }): JSX.Element | null {
  if (!error) return null;
  const message = error instanceof ApiError ? `${error.code}: ${error.message}` : String(error);
  return (
    <div class="error-box" role="alert">
      {message}
    </div>
  );
}

/** What a list shows when it has nothing: say why, and what to do about it. */
export function Empty({ children, testId }: { children: ComponentChildren; testId?: string }): JSX.Element {
  return (
    <div class="empty" data-testid={testId}>
      {children}
    </div>
  );
}

export function Card(props: {
  title?: ComponentChildren;
  actions?: ComponentChildren;
  children: ComponentChildren;
  class?: string;
}): JSX.Element {
  return (
    <section class={`card ${props.class ?? ''}`}>
      {(props.title || props.actions) && (
        <header class="card-head">
          <h2>{props.title}</h2>
          <div class="actions">{props.actions}</div>
        </header>
      )}
      {props.children}
    </section>
  );
}

export interface Async<T> {
  data: T | undefined;
  error: unknown;
  loading: boolean;
  /** Loads again (keeping the current data on screen meanwhile). */
  reload(): void;
  /** Replaces the data locally (live updates). */
  set(update: (current: T | undefined) => T | undefined): void;
}

/** Runs `load` when `deps` change; stale answers of earlier loads are dropped. */
export function useAsync<T>(load: (signal: AbortSignal) => Promise<T>, deps: unknown[]): Async<T> {
  const [data, setData] = useState<T | undefined>(undefined);
  const [error, setError] = useState<unknown>(undefined);
  const [loading, setLoading] = useState(true);
  const [version, setVersion] = useState(0);
  const loadRef = useRef(load);
  loadRef.current = load;
  useEffect(() => {
    const abort = new AbortController();
    setLoading(true);
    loadRef.current(abort.signal).then(
      (value) => {
        if (abort.signal.aborted) return;
        setData(value);
        setError(undefined);
        setLoading(false);
      },
      (err: unknown) => {
        if (abort.signal.aborted) return;
        setError(err);
        setLoading(false);
      },
    );
    return () => abort.abort();
  }, [...deps, version]);
  const reload = useCallback(() => setVersion((v) => v + 1), []);
  return { data, error, loading, reload, set: setData };
}

/** Calls `fn` at most once per `ms`, trailing. */
export function useThrottled(fn: () => void, ms: number): () => void {
  const timer = useRef<ReturnType<typeof setTimeout> | undefined>(undefined);
  const ref = useRef(fn);
  ref.current = fn;
  useEffect(() => () => clearTimeout(timer.current), []);
  return useCallback(() => {
    if (timer.current) return;
    timer.current = setTimeout(() => {
      timer.current = undefined;
      ref.current();
    }, ms);
  }, [ms]);
}

/** A modal dialog over the page; Escape or its close button closes it. */
export function Modal(props: { title: string; onClose(): void; children: ComponentChildren }): JSX.Element {
  useEffect(() => {
    const key = (e: KeyboardEvent) => e.key === 'Escape' && props.onClose();
    window.addEventListener('keydown', key);
    return () => window.removeEventListener('keydown', key);
  }, [props.onClose]);
  return (
    <div class="modal-backdrop">
      <div class="modal" role="dialog" aria-label={props.title}>
        <header class="card-head">
          <h2>{props.title}</h2>
          <button type="button" class="icon" aria-label="Close" onClick={props.onClose}>
            ✕
          </button>
        </header>
        {props.children}
      </div>
    </div>
  );
}
