/** A small client for the hub's REST API, used by every command that talks to a hub. */
import { CliError, EXIT_FAILED, EXIT_USAGE } from './errors.js';

export interface ClientOptions {
  server: string;
  token?: string;
}

export class ApiClient {
  private readonly base: string;

  constructor(private readonly options: ClientOptions) {
    if (!/^https?:\/\//.test(options.server))
      throw new CliError(`--server '${options.server}' is not an http(s) URL`, EXIT_USAGE);
    this.base = `${options.server.replace(/\/+$/, '')}/api/v1`;
  }

  /** Sends a request; a non-2xx answer becomes a CliError with the API's message. Undefined for 404 when `allow404`. */
  async request<T>(
    method: string,
    path: string,
    body?: { json?: unknown; yaml?: string },
    allow404 = false,
  ): Promise<T | undefined> {
    const headers: Record<string, string> = { accept: 'application/json' };
    if (this.options.token) headers.authorization = `Bearer ${this.options.token}`;
    let payload: string | undefined;
    if (body?.yaml !== undefined) {
      headers['content-type'] = 'application/x-yaml';
      payload = body.yaml;
    } else if (body?.json !== undefined) {
      headers['content-type'] = 'application/json';
      payload = JSON.stringify(body.json);
    }
    let res: Response;
    try {
      res = await fetch(`${this.base}${path}`, { method, headers, body: payload });
    } catch (err) {
      throw new CliError(
        `cannot reach the hub at ${this.options.server}: ${(err as Error).cause ?? (err as Error).message}`,
      );
    }
    if (res.status === 404 && allow404) return undefined;
    const text = await res.text();
    const data: unknown = text ? safeJson(text) : undefined;
    if (!res.ok) {
      const error = (data as { error?: ApiErrorBody } | undefined)?.error;
      throw new CliError(`${method} ${path}: ${res.status} ${describeError(error, text)}`, EXIT_FAILED);
    }
    return data as T;
  }

  /** Server-sent events of `path`, one `{event, data}` at a time, until the stream ends. */
  async *events(path: string): AsyncGenerator<{ event: string; data: string }> {
    const headers: Record<string, string> = { accept: 'text/event-stream' };
    if (this.options.token) headers.authorization = `Bearer ${this.options.token}`;
    const res = await fetch(`${this.base}${path}`, { headers });
    if (!res.ok || !res.body) throw new CliError(`GET ${path}: ${res.status} ${await res.text()}`);
    const decoder = new TextDecoder();
    let buffer = '';
    for await (const chunk of res.body) {
      buffer += decoder.decode(chunk as Uint8Array, { stream: true });
      let end = buffer.indexOf('\n\n');
      while (end >= 0) {
        const block = buffer.slice(0, end);
        buffer = buffer.slice(end + 2);
        let event = 'message';
        const data: string[] = [];
        for (const line of block.split('\n')) {
          if (line.startsWith('event:')) event = line.slice(6).trim();
          else if (line.startsWith('data:')) data.push(line.slice(5).replace(/^ /, ''));
        }
        if (data.length > 0) yield { event, data: data.join('\n') };
        end = buffer.indexOf('\n\n');
      }
    }
  }

  async get<T>(path: string): Promise<T> {
    return (await this.request<T>('GET', path)) as T;
  }

  /** Every item of a paginated list. */
  async all<T>(path: string): Promise<T[]> {
    const items: T[] = [];
    let cursor: string | undefined;
    do {
      const sep = path.includes('?') ? '&' : '?';
      const page = await this.get<{ items: T[]; nextCursor?: string }>(
        `${path}${sep}limit=500${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`,
      );
      items.push(...page.items);
      cursor = page.nextCursor;
    } while (cursor);
    return items;
  }
}

interface ApiErrorBody {
  code?: string;
  message?: string;
  details?: { path?: string; message?: string; line?: number; column?: number }[];
}

/**
 * An API error as one line of code and message, then each problem of its
 * details on a line of its own. The message of an error with details lists
 * them too (for readers of the raw body); here each is printed once.
 */
function describeError(error: ApiErrorBody | undefined, text: string): string {
  const problems = Array.isArray(error?.details)
    ? error.details.map(
        (d) =>
          `${d.line ? `${d.line}:${d.column ?? 0}: ` : ''}${d.path ? `${d.path}: ` : ''}${d.message ?? ''}`,
      )
    : [];
  const repeated = new Set(problems.map((p) => p.trim()));
  const message = (error?.message ?? text)
    .split('\n')
    .filter((line) => !repeated.has(line.trim()))
    .join('\n');
  const head = `${error?.code ?? ''} ${message || `${problems.length} problem(s):`}`.trim();
  return [head, ...problems.map((p) => `  ${p}`)].join('\n');
}

function safeJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}

export const enc = encodeURIComponent;
