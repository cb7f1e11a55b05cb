/** Helpers of `http.request`: restartable timeouts, a size-capped body read, and response decoding. */

export type TimeoutKind = 'headers' | 'body';

/**
 * One abort signal for a request: fires when the task's own signal does, or
 * when the currently armed timeout runs out. Re-arming replaces the timer,
 * which makes the body timeout an idle timeout.
 */
export class Timeouts {
  readonly signal: AbortSignal;
  /** Which timeout fired, if one did. */
  fired: TimeoutKind | undefined;
  private readonly controller = new AbortController();
  private timer: NodeJS.Timeout | undefined;

  constructor(outer: AbortSignal) {
    this.signal = AbortSignal.any([outer, this.controller.signal]);
  }

  arm(kind: TimeoutKind, ms: number): void {
    clearTimeout(this.timer);
    this.timer = setTimeout(() => {
      this.fired = kind;
      this.controller.abort(new Error(`${kind} timeout after ${ms} ms`));
    }, ms);
  }

  clear(): void {
    clearTimeout(this.timer);
  }
}

/** The response announced or sent more than the allowed number of bytes. */
export class ResponseTooLargeError extends Error {
  override name = 'ResponseTooLargeError';
  constructor(readonly maxBytes: number) {
    super(`the response body is larger than options.maxContentLength (${maxBytes} bytes)`);
  }
}

/**
 * Reads the whole body, calling `onProgress` before the first read and after
 * every chunk, and stops with {@link ResponseTooLargeError} past `maxBytes`.
 */
export async function readLimited(
  response: Response,
  maxBytes: number,
  onProgress: () => void,
): Promise<Uint8Array> {
  if (!response.body) return new Uint8Array(0);
  const announced = Number(response.headers.get('content-length') ?? Number.NaN);
  if (announced > maxBytes) {
    await response.body.cancel();
    throw new ResponseTooLargeError(maxBytes);
  }
  const reader = response.body.getReader();
  const chunks: Uint8Array[] = [];
  let total = 0;
  onProgress();
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    total += value.byteLength;
    if (total > maxBytes) {
      await reader.cancel();
      throw new ResponseTooLargeError(maxBytes);
    }
    chunks.push(value);
    onProgress();
  }
  return Buffer.concat(chunks);
}

/** Kestra's shape: every header name maps to a list (`set-cookie` keeps one entry per cookie). */
export function responseHeaders(headers: Headers): Record<string, string[]> {
  const out: Record<string, string[]> = {};
  for (const [name, value] of headers) out[name] = name === 'set-cookie' ? headers.getSetCookie() : [value];
  return out;
}

/** The body as text, in the charset the response names, else `defaultCharset`, else UTF-8. */
export function decode(bytes: Uint8Array, contentType: string | null, defaultCharset = 'utf-8'): string {
  const charset = /;\s*charset="?([^";\s]+)/i.exec(contentType ?? '')?.[1] ?? defaultCharset;
  try {
    return new TextDecoder(charset).decode(bytes);
  } catch {
    return new TextDecoder().decode(bytes);
  }
}
