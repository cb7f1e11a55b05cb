/** A small client for the hub's REST API, used by every command that talks to a hub. */
import { describeCertificateError, type HubTrustOptions, loadHubTrust } from '../agent/hub-trust.js';
import { CliError, EXIT_FAILED, EXIT_USAGE } from './errors.js';
import { httpsFetch } from './https-fetch.js';

export interface ClientOptions {
  server: string;
  token?: string;
  /** The hub's CA and pins, for an https:// server (without them: the system's CAs and NODE_EXTRA_CA_CERTS). */
  tls?: HubTrustOptions;
}

export class ApiClient {
  private readonly base: string;
  private readonly fetch: typeof fetch;

  constructor(private readonly options: ClientOptions) {
    if (!/^https?:\/\//.test(options.server))
      throw new CliError(`--server '${options.server}' is not an http(s) URL`, EXIT_USAGE);
    this.base = `${options.server.replace(/\/+$/, '')}/api/v1`;
    this.fetch = options.tls ? trustedFetch(options.server, options.tls) : fetch;
  }

  /** Sends a request; a non-2xx answer becomes a CliError with the API's message. Undefined for 404 when `allow404`. */
  async request<T>(
    method: string,
    path: string,
    body?: { json?: unknown; yaml?: string; bytes?: Uint8Array },
    allow404 = false,
  ): Promise<T | undefined> {
    const headers: Record<string, string> = { accept: 'application/json' };
    if (this.options.token) headers.authorization = `Bearer ${this.options.token}`;
    let payload: string | Uint8Array | undefined;
    if (body?.bytes !== undefined) {
      headers['content-type'] = 'application/octet-stream';
      payload = body.bytes;
    } else if (body?.yaml !== undefined) {
      headers['content-type'] = 'application/x-yaml';
      payload = body.yaml;
    } else if (body?.json !== undefined) {
      headers['content-type'] = 'application/json';
      payload = JSON.stringify(body.json);
    }
    let res: Response;
    try {
      res = await this.fetch(`${this.base}${path}`, { method, headers, body: payload });
    } catch (err) {
      throw this.unreachable(err as Error);
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
    const res = await this.fetch(`${this.base}${path}`, { headers }).catch((err: Error) => {
      throw this.unreachable(err);
    });
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

  /** Why the hub could not be reached: for a certificate, what is wrong with it and what to do. */
  private unreachable(err: Error): CliError {
    const cause = err.cause instanceof Error ? err.cause : undefined;
    const why = (cause && describeCertificateError(cause)) ?? cause ?? err.message;
    return new CliError(`cannot reach the hub at ${this.options.server}: ${why}`);
  }

  /** The body of a GET as bytes; undefined for 404. */
  async bytes(path: string): Promise<Uint8Array | undefined> {
    const headers: Record<string, string> = {};
    if (this.options.token) headers.authorization = `Bearer ${this.options.token}`;
    const res = await this.fetch(`${this.base}${path}`, { headers }).catch((err: Error) => {
      throw this.unreachable(err);
    });
    if (res.status === 404) return undefined;
    if (!res.ok) throw new CliError(`GET ${path}: ${res.status} ${await res.text()}`, EXIT_FAILED);
    return new Uint8Array(await res.arrayBuffer());
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

/** fetch with the hub's CA and pins; refuses them for an http:// server, where they would protect nothing. */
function trustedFetch(server: string, tls: HubTrustOptions): typeof fetch {
  if (!server.startsWith('https://'))
    throw new CliError(`--ca-file and --tls-pin apply to an https:// server, not '${server}'`, EXIT_USAGE);
  try {
    return httpsFetch(loadHubTrust(tls));
  } catch (err) {
    throw new CliError(`--${(err as Error).message}`, EXIT_USAGE);
  }
}

function safeJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}

export const enc = encodeURIComponent;
