/** B1 end to end, Tern and Node-RED side by side on Mosquitto, as table figures. */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  NODE_RED,
  NODE_RED_DIR,
  nodeRedInstalled,
  type SensorAlertResult,
  sensorToAlert,
  TERN,
} from './sensor-alert-bench.js';
import { type Figure, median } from './stats.js';

const RATE = 500;
/** Length of the measured phase at RATE: 5,000 readings, so that p99 rests on 50 of them. */
const SECONDS = 10;
const FLOW = 'sensor message → if → alert received, on Mosquitto';

type Repeat = <T>(fn: () => Promise<T>) => Promise<T[]>;

function nodeRedVersion(): string {
  const pkg = join(NODE_RED_DIR, 'node_modules', 'node-red', 'package.json');
  return (JSON.parse(readFileSync(pkg, 'utf8')) as { version: string }).version;
}

const failures = (results: SensorAlertResult[]) =>
  results.map((r) => (r.failed ? `${r.failed.lost} lost at ${r.failed.rate}/s` : 'none lost')).join(', ');

/**
 * Each run measures Tern (a standalone agent, `node dist/cli/main.js agent`)
 * and Node-RED, one after the other, both as child processes on the broker at
 * TERN_TEST_MQTT_URL; Node-RED is skipped, with a note, when not installed.
 */
export async function sensorAlertFigures(repeat: Repeat): Promise<Figure[]> {
  const url = process.env.TERN_TEST_MQTT_URL;
  if (!url) {
    console.error('B1 end to end skipped: no TERN_TEST_MQTT_URL (eval "$(deploy/dev/services.sh up)")');
    return [];
  }
  const withPeer = nodeRedInstalled();
  const peerName = withPeer ? `Node-RED ${nodeRedVersion()}` : 'Node-RED';
  // Who goes first alternates, so that neither always runs right after the other's overload steps.
  let round = 0;
  const measure = (peer: typeof TERN) => sensorToAlert(peer, url, RATE, SECONDS);
  const runs = await repeat(async () => {
    if (!withPeer) return { tern: await measure(TERN), peer: undefined };
    if (round++ % 2 === 0) {
      const tern = await measure(TERN);
      return { tern, peer: await measure(NODE_RED) };
    }
    const peer = await measure(NODE_RED);
    return { tern: await measure(TERN), peer };
  });
  const tern = runs.map((r) => r.tern);
  const peer = runs.flatMap((r) => (r.peer ? [r.peer] : []));
  const figures: Figure[] = [];
  const row = (
    who: string,
    results: SensorAlertResult[],
    other: SensorAlertResult[],
    key: 'p50' | 'p99' | 'maxRate',
  ): Figure => {
    const values = results.map((r) => r[key]);
    const rate = key === 'maxRate';
    return {
      id: 'B1',
      figure: rate
        ? `${who}: highest rate with every alert received within 5 s (500 → 16,000/s), ${FLOW}`
        : `${who}: ${FLOW}, ${RATE} msg/s, ${key}`,
      value: median(values),
      unit: rate ? 'msg/s' : 'ms',
      target: who === 'Tern' ? '(end to end)' : '(peer)',
      runs: values,
      peer:
        who === 'Tern' && other.length > 0
          ? { name: peerName, value: median(other.map((r) => r[key])) }
          : undefined,
      note: rate
        ? `p99 at that rate: ${results.map((r) => r.p99AtMax.toFixed(2)).join(' / ')} ms; first loss: ${failures(results)}`
        : key === 'p50'
          ? `lost at ${RATE} msg/s: ${results.map((r) => r.lost).join('/')}`
          : undefined,
    };
  };
  for (const key of ['p50', 'p99', 'maxRate'] as const) figures.push(row('Tern', tern, peer, key));
  if (withPeer)
    for (const key of ['p50', 'p99', 'maxRate'] as const) figures.push(row(peerName, peer, tern, key));
  else
    figures.push({
      id: 'B1',
      figure: `Node-RED: ${FLOW}`,
      value: Number.NaN,
      unit: 'ms',
      target: '(peer)',
      runs: [],
      note: `not installed: npm install --prefix bench/.peers/node-red node-red@4.1`,
    });
  return figures;
}
