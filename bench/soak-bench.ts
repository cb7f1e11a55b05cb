/**
 * B7 soak: a `tern agent` connected to a hub runs the B1 flow on its local
 * broker at 500 readings/s for a while; its RSS (from /proc) and heap (from
 * the footprint in its status) are sampled every 10 s, and a line fitted to
 * each tells whether it grows.
 */
import { join } from 'node:path';
import mqtt from 'mqtt';
import type { Hub } from '../hub/hub.js';
import { api, freePort, hubPlace, registerAgent, startBenchHub, until } from './bench-hub.js';
import { spawnAgent } from './memory-bench.js';
import { stop, vmRssKb } from './process-rss.js';
import { ternFlow } from './sensor-alert-bench.js';

const AGENT = 'b7-soak';
const RATE = 500;
const SAMPLE_EVERY_MS = 10_000;
/** Samples of the first minute are left out of the fit: caches and the JIT fill up then. */
const WARM_UP_MS = 60_000;
/** Growth the fit must show (per 10 minutes, and at two standard errors) before it counts as a leak. */
const GROWTH_LIMIT_MB = 1;

/** A line fitted by least squares: MB per 10 minutes, with its standard error. */
export interface Slope {
  perTenMinutes: number;
  standardError: number;
}

/** One soak run's samples and verdict. */
export interface SoakResult {
  minutes: number;
  rss: Slope;
  heap: Slope;
  maxRssMb: number;
  alertsSent: number;
  alertsReceived: number;
  /** Growing: the RSS or heap slope exceeds {@link GROWTH_LIMIT_MB} per 10 minutes by two standard errors. */
  growing: boolean;
}

/** Least-squares slope of `values` (MB) against `times` (ms), per 10 minutes. */
export function fitSlope(times: readonly number[], values: readonly number[]): Slope {
  const n = times.length;
  if (n < 3) return { perTenMinutes: 0, standardError: Number.POSITIVE_INFINITY };
  const mt = times.reduce((a, b) => a + b, 0) / n;
  const mv = values.reduce((a, b) => a + b, 0) / n;
  let sxx = 0;
  let sxy = 0;
  for (let i = 0; i < n; i++) {
    sxx += (times[i]! - mt) ** 2;
    sxy += (times[i]! - mt) * (values[i]! - mv);
  }
  const slope = sxy / sxx;
  let residuals = 0;
  for (let i = 0; i < n; i++) residuals += (values[i]! - mv - slope * (times[i]! - mt)) ** 2;
  const se = Math.sqrt(residuals / (n - 2) / sxx);
  const TEN_MINUTES = 600_000;
  return { perTenMinutes: slope * TEN_MINUTES, standardError: se * TEN_MINUTES };
}

const grows = (s: Slope): boolean =>
  s.perTenMinutes > GROWTH_LIMIT_MB && s.perTenMinutes - 2 * s.standardError > 0;

/** Runs the soak for `durationMs` (at least the warm-up plus a few samples). */
export async function agentSoak(serverUrl: string | undefined, durationMs: number): Promise<SoakResult> {
  const place = await hubPlace(serverUrl, 'b7-soak');
  let hub: Hub | undefined;
  let child: ReturnType<typeof spawnAgent> | undefined;
  let client: mqtt.MqttClient | undefined;
  try {
    hub = await startBenchHub(place);
    const h = hub;
    const port = await freePort();
    const local = `mqtt://127.0.0.1:${port}`;
    await api(h, 'POST', '/flows', { yaml: `runsOn:\n  agents: [${AGENT}]${ternFlow(local)}` });
    const token = await registerAgent(h, AGENT);
    child = spawnAgent(h, AGENT, token, join(place.dataDir, 'agent'), `--local-broker=${port}`);
    const pid = child.pid!;
    await until(
      async () => {
        const agent = await api<{ status: { applied?: { flows: unknown[] } } }>(h, 'GET', `/agents/${AGENT}`);
        return agent.status.applied?.flows.length === 1;
      },
      30_000,
      'the agent to apply the sensor flow',
      100,
    );
    client = await mqtt.connectAsync(local, { clientId: 'b7-soak-sensor', reconnectPeriod: 0 });
    let received = 0;
    client.on('message', () => received++);
    await client.subscribeAsync('bench/alert/#', { qos: 1 });
    // Let the trigger subscribe before the first reading.
    await new Promise((r) => setTimeout(r, 1000));

    let sent = 0;
    let alerts = 0;
    const started = Date.now();
    const c = client;
    // Every 10 ms, what brings the count to 500/s since the start (a late timer catches up); every other one above 50.
    const publisher = setInterval(() => {
      const due = Math.floor(((Date.now() - started) * RATE) / 1000);
      while (sent < due) {
        const value = sent++ % 2 === 0 ? 80 : 20;
        if (value > 50) alerts++;
        // A reading still unacknowledged when the soak ends is not counted again: its alert is missing.
        c.publish(
          `bench/sensor/s${sent % 10}`,
          JSON.stringify({ id: `r${sent}`, value }),
          { qos: 1 },
          () => {},
        );
      }
    }, 10);
    const times: number[] = [];
    const rss: number[] = [];
    const heapTimes: number[] = [];
    const heap: number[] = [];
    let maxRssMb = 0;
    while (Date.now() - started < durationMs) {
      await new Promise((r) => setTimeout(r, SAMPLE_EVERY_MS));
      const at = Date.now() - started;
      const mb = vmRssKb(pid) / 1024;
      maxRssMb = Math.max(maxRssMb, mb);
      const footprint = (
        await api<{ status: { footprint?: { heapUsedBytes: number } } }>(h, 'GET', `/agents/${AGENT}`)
      ).status.footprint;
      if (at < WARM_UP_MS) continue;
      times.push(at);
      rss.push(mb);
      if (footprint) {
        heapTimes.push(at);
        heap.push(footprint.heapUsedBytes / 1024 ** 2);
      }
    }
    clearInterval(publisher);
    await until(async () => received >= alerts, 10_000, 'the last alerts', 100).catch(() => undefined);
    const rssSlope = fitSlope(times, rss);
    const heapSlope = fitSlope(heapTimes, heap);
    return {
      minutes: durationMs / 60_000,
      rss: rssSlope,
      heap: heapSlope,
      maxRssMb,
      alertsSent: alerts,
      alertsReceived: received,
      growing: grows(rssSlope) || grows(heapSlope),
    };
  } finally {
    await client?.endAsync(true);
    if (child) await stop(child);
    await hub?.close();
    await place.remove();
  }
}
