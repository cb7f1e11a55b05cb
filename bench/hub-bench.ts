/**
 * B3: webhook request → execution SUCCESS of a 2-task hub flow, at a fixed
 * request rate, on the hub's storage (PostgreSQL when a URL is given).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startHub } from '../hub/hub.js';
import { percentile } from './stats.js';
import { webhookLoad } from './webhook-load.js';

const FLOW = `id: b3
namespace: bench
triggers:
  - id: hook
    type: webhook
    key: bench-key-0123456789
tasks:
  - id: hello
    type: log
    message: "got {{ trigger.body.n }}"
  - id: out
    type: output
    values:
      n: "{{ trigger.body.n }}"
`;

export interface WebhookFigures {
  p50: number;
  p99: number;
  sent: number;
  succeeded: number;
}

/** Fires `rate` webhook requests a second for `seconds`, measuring send → SUCCESS in ms. */
export async function webhookToSuccess(
  dbUrl: string | undefined,
  rate = 500,
  seconds = 5,
): Promise<WebhookFigures> {
  const dir = mkdtempSync(join(tmpdir(), 'tern-b3-'));
  const hub = await startHub({
    port: 0,
    host: '127.0.0.1',
    mqttPort: 0,
    mqttHost: '127.0.0.1',
    dataDir: dir,
    dbUrl,
    adminToken: 'bench-token',
  });
  try {
    const put = await fetch(`${hub.url}/api/v1/flows/bench/b3`, {
      method: 'PUT',
      headers: { authorization: 'Bearer bench-token', 'content-type': 'application/x-yaml' },
      body: FLOW,
    });
    if (!put.ok) throw new Error(`deploying the bench flow failed: ${put.status} ${await put.text()}`);
    const sentAt = new Map<string, number>();
    const doneAt = new Map<string, number>();
    hub.engine.on({
      execution(e) {
        if (e.state === 'SUCCESS') doneAt.set(e.id, performance.now());
      },
    });
    const url = new URL(`${hub.url}/api/v1/executions/webhook/bench/b3/bench-key-0123456789`);
    await webhookLoad(url, rate, seconds, (text, started) => {
      const answer = JSON.parse(text) as { id?: string; execution?: { id: string } };
      const id = answer.id ?? answer.execution?.id;
      if (id) sentAt.set(id, started);
    });
    await hub.engine.idle();
    const latencies: number[] = [];
    for (const [id, start] of sentAt) {
      const end = doneAt.get(id);
      if (end !== undefined) latencies.push(end - start);
    }
    const warm = latencies.slice(Math.floor(latencies.length / 10));
    return {
      p50: percentile(warm, 50),
      p99: percentile(warm, 99),
      sent: rate * seconds,
      succeeded: latencies.length,
    };
  } finally {
    await hub.close();
    rmSync(dir, { recursive: true, force: true });
  }
}
