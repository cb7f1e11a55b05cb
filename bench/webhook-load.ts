/** Webhook load for B3 and B9: JSON POSTs `{ n }` at a fixed rate over kept-alive connections. */
import { Agent, request } from 'node:http';

/**
 * POSTs `{ n }` to `url` `rate` times a second for `seconds`, each at its due time, and resolves once
 * every answer has ended. `answered` gets each answer's body and when its request was sent; a request
 * that fails is counted by whoever reads the figures (it never reaches `answered`).
 */
export async function webhookLoad(
  url: URL,
  rate: number,
  seconds: number,
  answered?: (body: string, sentAt: number) => void,
): Promise<void> {
  const agent = new Agent({ keepAlive: true, maxSockets: 64 });
  const fire = (n: number) =>
    new Promise<void>((resolve) => {
      const sentAt = performance.now();
      const body = JSON.stringify({ n });
      const req = request(
        {
          agent,
          host: url.hostname,
          port: url.port,
          path: url.pathname,
          method: 'POST',
          headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) },
        },
        (res) => {
          if (!answered) return void res.resume().on('end', resolve);
          let text = '';
          res.setEncoding('utf8');
          res.on('data', (c: string) => {
            text += c;
          });
          res.on('end', () => {
            answered(text, sentAt);
            resolve();
          });
        },
      );
      req.on('error', () => resolve());
      req.end(body);
    });
  try {
    const pending: Promise<void>[] = [];
    const t0 = performance.now();
    for (let i = 0; i < rate * seconds; i++) {
      const wait = t0 + (i * 1000) / rate - performance.now();
      if (wait > 1) await new Promise((r) => setTimeout(r, wait));
      pending.push(fire(i));
    }
    await Promise.all(pending);
  } finally {
    agent.destroy();
  }
}
