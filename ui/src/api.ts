/** The hub's REST API as the UI calls it: bearer token from local storage, typed records, errors. */
import type {
  AgentRecord,
  ExecutionWithTaskRuns,
  FlowRecord,
  FlowRevision,
  FlowTrigger,
  FlowWithTriggers,
  HubInfo,
  Problem,
  Rollout,
  Stats,
  TriggerRuntimeState,
} from '../../hub/api/schemas.js';
import type { AgentSyncStatus } from '../../hub/fleet/types.js';
import type { AppliedFlow, TriggerStatus } from '../../protocol/agent-status.js';
import type { Execution, LogLine, TaskRun } from '../../protocol/execution.js';
import type { Flow } from '../../protocol/flow.js';
import type { NamespaceFileInfo } from '../../protocol/plugin.js';
import type { State } from '../../protocol/states.js';

// The API's records as its schemas define them (types only: nothing of the hub is bundled).
export type {
  AgentSyncStatus,
  Execution,
  ExecutionWithTaskRuns,
  Flow,
  FlowRecord,
  FlowRevision,
  FlowTrigger,
  FlowWithTriggers,
  HubInfo,
  LogLine,
  Problem,
  Rollout,
  State,
  Stats,
  TaskRun,
  TriggerStatus,
};

export const API = '/api/v1';
const TOKEN_KEY = 'tern.token';

export interface Page<T> {
  items: T[];
  nextCursor?: string;
}

/** One runtime of a trigger: the hub, or an agent that reported it. */
export type TriggerRuntime = TriggerRuntimeState;

/** A flow revision as desired, applied or refused lists name it. */
export type FlowRef = Pick<AppliedFlow, 'namespace' | 'id' | 'revision'>;

/** A registered agent, its status read as the fleet writes it (the API documents it as any object). */
export type Agent = Omit<AgentRecord, 'status'> & { status: AgentSyncStatus };

/** An error answer of the API: `{error: {code, message, details}}`. */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly details?: unknown,
  ) {
    super(message);
  }

  /** Problems with positions (invalid flows), when the answer lists them. */
  get problems(): Problem[] {
    return Array.isArray(this.details) ? (this.details as Problem[]) : [];
  }
}

export const getToken = (): string | null => localStorage.getItem(TOKEN_KEY);
export const setToken = (token: string): void => localStorage.setItem(TOKEN_KEY, token);

/** Forgets the token; the app shows the sign-in page. */
export function signOut(): void {
  localStorage.removeItem(TOKEN_KEY);
  window.dispatchEvent(new Event('tern:signed-out'));
}

export interface CallOptions {
  method?: string;
  json?: unknown;
  yaml?: string;
  form?: FormData;
  query?: Record<string, string | number | boolean | string[] | undefined>;
  signal?: AbortSignal;
  /** Token to try instead of the stored one (sign-in). */
  token?: string;
}

/** Builds `/api/v1{path}?query`, repeating list parameters. */
export function apiUrl(path: string, query: CallOptions['query'] = {}): string {
  const params = new URLSearchParams();
  for (const [key, value] of Object.entries(query)) {
    if (value === undefined || value === '') continue;
    if (Array.isArray(value)) for (const v of value) params.append(key, v);
    else params.set(key, String(value));
  }
  const qs = params.toString();
  return `${API}${path}${qs ? `?${qs}` : ''}`;
}

/**
 * Calls the API and returns the parsed JSON (undefined for an empty answer).
 * A 401 signs out; every other error status throws an {@link ApiError}.
 */
export async function call<T>(path: string, options: CallOptions = {}): Promise<T> {
  const headers: Record<string, string> = {};
  const token = options.token ?? getToken();
  if (token) headers.authorization = `Bearer ${token}`;
  let body: BodyInit | undefined;
  if (options.json !== undefined) {
    headers['content-type'] = 'application/json';
    body = JSON.stringify(options.json);
  } else if (options.yaml !== undefined) {
    headers['content-type'] = 'application/x-yaml';
    body = options.yaml;
  } else if (options.form) body = options.form;
  const res = await fetch(apiUrl(path, options.query), {
    method: options.method ?? (body === undefined ? 'GET' : 'POST'),
    headers,
    body,
    signal: options.signal,
  });
  const text = await res.text();
  const data = text && (res.headers.get('content-type') ?? '').includes('json') ? JSON.parse(text) : text;
  if (res.ok) return (data === '' ? undefined : data) as T;
  if (res.status === 401 && options.token === undefined) signOut();
  const error = (data as { error?: { code: string; message: string; details?: unknown } }).error;
  throw new ApiError(res.status, error?.code ?? 'HTTP', error?.message ?? res.statusText, error?.details);
}

/** A GET answered with bytes (a namespace file); errors as {@link call}'s. */
export async function callBytes(path: string, query: CallOptions['query'] = {}): Promise<Uint8Array> {
  const token = getToken();
  const res = await fetch(apiUrl(path, query), {
    headers: token ? { authorization: `Bearer ${token}` } : {},
  });
  if (res.ok) return new Uint8Array(await res.arrayBuffer());
  if (res.status === 401) signOut();
  const data = (await res.json().catch(() => ({}))) as { error?: { code: string; message: string } };
  throw new ApiError(res.status, data.error?.code ?? 'HTTP', data.error?.message ?? res.statusText);
}

/** One live namespace file as listed. */
export type NamespaceFile = NamespaceFileInfo;

/** Every page of a list, up to `max` items. */
export async function callAll<T>(path: string, query: CallOptions['query'] = {}, max = 2000): Promise<T[]> {
  const items: T[] = [];
  let cursor: string | undefined;
  do {
    const page = await call<Page<T>>(path, { query: { ...query, limit: 500, cursor } });
    items.push(...page.items);
    cursor = page.nextCursor;
  } while (cursor && items.length < max);
  return items;
}
