/**
 * Server-sent events over fetch, so the bearer token travels in a header
 * (EventSource cannot send one). Parses the stream block by block.
 */
import { getToken } from './api.js';

export interface SseMessage {
  event: string;
  data: string;
}

/**
 * Reads `url` as an event stream until it ends or `signal` aborts; resolves
 * when the stream ends, rejects on an HTTP error or a broken connection.
 */
export async function readEvents(
  url: string,
  onMessage: (message: SseMessage) => void,
  signal: AbortSignal,
): Promise<void> {
  const token = getToken();
  const res = await fetch(url, {
    headers: { accept: 'text/event-stream', ...(token && { authorization: `Bearer ${token}` }) },
    signal,
  });
  if (!res.ok || !res.body) throw new Error(`event stream answered ${res.status}`);
  const reader = res.body.pipeThrough(new TextDecoderStream()).getReader();
  let buffer = '';
  for (;;) {
    const { done, value } = await reader.read();
    if (done) return;
    buffer += value.replaceAll('\r\n', '\n');
    let at = buffer.indexOf('\n\n');
    while (at >= 0) {
      const block = buffer.slice(0, at);
      buffer = buffer.slice(at + 2);
      at = buffer.indexOf('\n\n');
      let event = 'message';
      const data: string[] = [];
      for (const line of block.split('\n')) {
        if (line.startsWith('event:')) event = line.slice(6).trim();
        else if (line.startsWith('data:')) data.push(line.slice(5).replace(/^ /, ''));
      }
      if (data.length > 0) onMessage({ event, data: data.join('\n') });
    }
  }
}
