/** What an `interval` trigger reads each time: a shell command's output or an HTTP response body. */
import { execFile } from 'node:child_process';

/** An HTTP endpoint to read: a URL, or its method, headers and body too. */
export type HttpProbe =
  | string
  | { url: string; method?: string; headers?: Record<string, string>; body?: string };

/** Most bytes of output or body read; more is an error (a probe reads a value, not a file). */
export const MAX_PROBE_BYTES = 1024 * 1024;

/**
 * Text as a value: JSON when it parses (`42`, `{"door":"open"}`), the trimmed
 * text otherwise.
 *
 * @example parseReading(' 21.5\n') // 21.5
 * @example parseReading('open')    // 'open'
 */
export function parseReading(text: string): unknown {
  const trimmed = text.trim();
  if (trimmed === '') return '';
  try {
    return JSON.parse(trimmed) as unknown;
  } catch {
    return trimmed;
  }
}

/** Runs `command` with `sh -c`; resolves with its standard output, rejects when it fails or exits non-zero. */
export function runCommand(command: string, timeoutMs: number, signal: AbortSignal): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile(
      '/bin/sh',
      ['-c', command],
      { timeout: timeoutMs, maxBuffer: MAX_PROBE_BYTES, signal, encoding: 'utf8' },
      (err, stdout, stderr) => {
        if (!err) return resolve(stdout);
        const detail = stderr.trim().split('\n').at(-1);
        const code = (err as { code?: unknown }).code;
        reject(
          new Error(
            typeof code === 'number'
              ? `exited with ${code}${detail ? `: ${detail}` : ''}`
              : `${err.message}${detail ? `: ${detail}` : ''}`,
          ),
        );
      },
    );
  });
}

/** Fetches the endpoint; resolves with the body as text, rejects on a network error or a non-2xx status. */
export async function fetchBody(probe: HttpProbe, timeoutMs: number, signal: AbortSignal): Promise<string> {
  const request = typeof probe === 'string' ? { url: probe } : probe;
  const res = await fetch(request.url, {
    method: request.method ?? 'GET',
    headers: request.headers,
    body: request.body,
    signal: AbortSignal.any([signal, AbortSignal.timeout(timeoutMs)]),
  });
  const body = await res.text();
  if (!res.ok) throw new Error(`HTTP ${res.status} from ${request.url}`);
  if (Buffer.byteLength(body) > MAX_PROBE_BYTES) throw new Error(`the body of ${request.url} is over 1 MiB`);
  return body;
}
