/**
 * Encryption in transit, end to end: a real hub serving HTTPS and MQTT over
 * TLS with a certificate from a CA made for the test, real agents that verify
 * it (CA file, pins), and a certificate renewed under the running hub.
 */
import { execSync } from 'node:child_process';
import { copyFileSync, mkdtempSync, renameSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { connect as tlsConnect } from 'node:tls';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { type Agent, startAgent } from '../../agent/agent.js';
import { type HubTrustOptions, loadHubTrust } from '../../agent/hub-trust.js';
import { httpsFetch } from '../../cli/https-fetch.js';
import { type Hub, startHub } from '../../hub/hub.js';
import {
  issueServerCertificate,
  makeCa,
  type TestCa,
  type TestServerCertificate,
} from '../support/certificates.js';
import { type LogEntry, memoryLogger } from '../support/logger.js';

const ADMIN = 'tern_tls_test_admin_token_0123456789';
const root = mkdtempSync(join(tmpdir(), 'tern-tls-'));
const tlsDir = join(root, 'tls');
const hubLines: LogEntry[] = [];
let ca: TestCa;
let otherCa: TestCa;
let first: TestServerCertificate;
/** Another certificate from the same CA, with a key of its own: what a wrong pin names. */
let other: TestServerCertificate;
let hub: Hub;
let trustedFetch: typeof fetch;
const running: Agent[] = [];

const eventually = <T>(check: () => T | Promise<T>) => vi.waitFor(check, { timeout: 20_000, interval: 50 });

beforeAll(async () => {
  ca = makeCa(root, 'tern-test-ca');
  otherCa = makeCa(root, 'other-ca');
  first = issueServerCertificate(ca, tlsDir, 'hub');
  other = issueServerCertificate(ca, join(root, 'other'), 'other');
  hub = await startHub(
    {
      port: 0,
      host: '127.0.0.1',
      mqttPort: 0,
      mqttsPort: 0,
      dataDir: join(root, 'hub'),
      adminToken: ADMIN,
      tls: { certFile: first.certFile, keyFile: first.keyFile },
    },
    memoryLogger(hubLines),
  );
  trustedFetch = httpsFetch(loadHubTrust({ caFile: ca.certFile }));
}, 60_000);

afterEach(async () => {
  for (const agent of running.splice(0)) await agent.close();
});

afterAll(async () => {
  await hub?.close();
  rmSync(root, { recursive: true, force: true });
});

/** Calls the API over HTTPS, trusting the test CA; `body` is YAML text or JSON. */
async function call(
  method: string,
  path: string,
  body?: string | object,
  // biome-ignore lint/suspicious/noExplicitAny: tests read response bodies freely; the assertions check them.
): Promise<{ status: number; body: any }> {
  const yaml = typeof body === 'string';
  const res = await trustedFetch(`${hub.url}/api/v1${path}`, {
    method,
    headers: {
      authorization: `Bearer ${ADMIN}`,
      ...(body !== undefined && { 'content-type': yaml ? 'application/x-yaml' : 'application/json' }),
    },
    body: body === undefined ? undefined : yaml ? body : JSON.stringify(body),
  });
  const text = await res.text();
  return { status: res.status, body: text ? JSON.parse(text) : undefined };
}

/** The serial of the certificate a new TLS connection to `port` is served, verified against the test CA. */
function servedSerial(port: number): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = tlsConnect({ host: '127.0.0.1', port, ...loadHubTrust({ caFile: ca.certFile }) }, () => {
      resolve(socket.getPeerCertificate().serialNumber);
      socket.end();
    });
    socket.on('error', reject);
  });
}

/** Registers `id`, gives it a flow of its own and starts it on `url` with `tls`, logging into `lines`. */
async function joinAgent(
  id: string,
  url: string,
  tls: HubTrustOptions,
  lines: LogEntry[] = [],
): Promise<Agent> {
  const registered = await call('POST', '/agents', { id, labels: {} });
  expect(registered.status).toBe(201);
  const token = registered.body.token as string;
  const flow = `id: greet\nnamespace: ${id}\nrunsOn: {agents: [${id}]}\ntasks:\n  - id: say\n    type: log\n    message: "hello over TLS from {{ agent.id }}"\n`;
  expect((await call('POST', '/flows', flow)).status).toBe(201);
  const agent = await startAgent({
    id,
    token,
    hubUrl: url,
    tls,
    dataDir: join(root, 'agents', id),
    closeGraceMs: 5000,
    sync: { reconnectMinMs: 20, reconnectMaxMs: 200, lingerMs: 1 },
    logger: memoryLogger(lines),
  });
  running.push(agent);
  return agent;
}

/** Runs the agent's flow through the API and waits until the hub has stored the execution ended. */
async function runOnAgent(agentId: string): Promise<void> {
  const started = await call('POST', `/executions/${agentId}/greet?agent=${agentId}`);
  expect(started.status).toBe(202);
  const id = started.body.executionIds[0] as string;
  await eventually(async () => expect((await call('GET', `/executions/${id}`)).body.state).toBe('SUCCESS'));
  const logs = await call('GET', `/executions/${id}/logs`);
  expect(JSON.stringify(logs.body)).toContain(`hello over TLS from ${agentId}`);
}

/** The reason the agent logged for refusing the hub, once it has. */
async function refusal(lines: LogEntry[]): Promise<string> {
  let reason = '';
  await eventually(() => {
    const line = lines.find((l) => l.message.startsWith('refusing to connect'));
    expect(line).toBeDefined();
    reason = line!.fields.reason as string;
  });
  return reason;
}

/** A pin computed with the openssl commands docs/security.md gives. */
function opensslPin(kind: 'publicKey' | 'certificate', certFile: string): string {
  if (kind === 'publicKey')
    return `sha256/${execSync(
      `openssl x509 -in ${certFile} -pubkey -noout | openssl pkey -pubin -outform der | openssl dgst -sha256 -binary | base64`,
    )
      .toString()
      .trim()}`;
  // "sha256 Fingerprint=AB:CD:…"
  return execSync(`openssl x509 -in ${certFile} -noout -fingerprint -sha256`)
    .toString()
    .trim()
    .split('=')[1]!;
}

/** Puts `from` in place of `to` the way renewal tools do: a new file renamed over the old one. */
function replace(from: string, to: string): void {
  copyFileSync(from, `${to}.new`);
  renameSync(`${to}.new`, to);
}

describe('HTTPS for the API and the UI', () => {
  it('answers a client that trusts the CA, with HSTS; a client without the CA is refused', async () => {
    expect(hub.url).toMatch(/^https:\/\/127\.0\.0\.1:\d+$/);
    const res = await trustedFetch(`${hub.url}/api/v1/flows`, {
      headers: { authorization: `Bearer ${ADMIN}` },
    });
    expect(res.status).toBe(200);
    expect(res.headers.get('strict-transport-security')).toBe('max-age=31536000');
    // Node's own fetch knows only the system's CAs.
    const refused = await fetch(`${hub.url}/api/v1/healthz`).catch((err: Error) => err);
    expect(refused).toBeInstanceOf(Error);
    expect(((refused as Error).cause as { code: string }).code).toBe('UNABLE_TO_VERIFY_LEAF_SIGNATURE');
  });
});

describe('MQTT over TLS', () => {
  it('an agent on mqtts:// with the CA receives its flow, runs it and syncs the execution back', async () => {
    const agent = await joinAgent('gw-mqtts', `mqtts://127.0.0.1:${hub.mqttsPort}`, { caFile: ca.certFile });
    await eventually(() => expect(agent.appliedFlows().map((f) => f.id)).toEqual(['greet']));
    await runOnAgent('gw-mqtts');
  });

  it('an agent on wss:// (WebSocket over TLS on the HTTPS port) does the same', async () => {
    const url = `${hub.url.replace('https', 'wss')}/mqtt`;
    const agent = await joinAgent('gw-wss', url, { caFile: ca.certFile });
    await eventually(() => expect(agent.appliedFlows().map((f) => f.id)).toEqual(['greet']));
    await runOnAgent('gw-wss');
  });

  it.each([
    ['mqtts', () => `mqtts://127.0.0.1:${hub.mqttsPort}`],
    ['wss', () => `${hub.url.replace('https', 'wss')}/mqtt`],
  ])('an agent on %s given another CA refuses to connect and logs why', async (scheme, url) => {
    const lines: LogEntry[] = [];
    const agent = await joinAgent(`gw-wrong-ca-${scheme}`, url(), { caFile: otherCa.certFile }, lines);
    expect(await refusal(lines)).toMatch(/not signed by a trusted CA.*--ca-file/);
    expect(agent.sync!.stats().connects).toBe(0);
  });

  it('an agent that pins another key refuses to connect and logs the key it saw', async () => {
    const lines: LogEntry[] = [];
    const agent = await joinAgent(
      'gw-wrong-pin',
      `mqtts://127.0.0.1:${hub.mqttsPort}`,
      { caFile: ca.certFile, pins: [opensslPin('publicKey', other.certFile)] },
      lines,
    );
    const reason = await refusal(lines);
    expect(reason).toContain('matches none of the pins');
    expect(reason).toContain(opensslPin('publicKey', first.certFile));
    expect(agent.sync!.stats().connects).toBe(0);
  });

  it.each([
    ['public key', 'publicKey'],
    ['certificate fingerprint', 'certificate'],
  ] as const)('an agent pinned to the hub’s %s (from openssl) connects', async (_, kind) => {
    const agent = await joinAgent(`gw-pin-${kind}`, `mqtts://127.0.0.1:${hub.mqttsPort}`, {
      caFile: ca.certFile,
      pins: [opensslPin('publicKey', other.certFile), opensslPin(kind, first.certFile)],
    });
    await eventually(() => expect(agent.sync!.state).toBe('ACTIVE'));
  });
});

describe('where agents reach a hub with a certificate', () => {
  it('GET /info gives mqtts:// and wss:// before plain MQTT, and an agent given the first one joins', async () => {
    const info = await call('GET', '/info');
    expect(info.status).toBe(200);
    expect(info.body.agentUrls).toEqual([
      `mqtts://127.0.0.1:${hub.mqttsPort}`,
      `wss://127.0.0.1:${hub.port}/mqtt`,
      `mqtt://127.0.0.1:${hub.mqttPort}`,
    ]);
    const agent = await joinAgent('gw-info-tls', info.body.agentUrls[0], { caFile: ca.certFile });
    await eventually(() => expect(agent.appliedFlows().map((f) => f.id)).toEqual(['greet']));
    await runOnAgent('gw-info-tls');
  });
});

describe('skipping verification', () => {
  it('connects only when asked by name, and warns that anyone in between can read the token', async () => {
    const lines: LogEntry[] = [];
    const agent = await joinAgent(
      'gw-insecure',
      `mqtts://127.0.0.1:${hub.mqttsPort}`,
      { insecureSkipVerify: true },
      lines,
    );
    await eventually(() => expect(agent.sync!.state).toBe('ACTIVE'));
    const warning = lines.find((l) => l.level === 'warn' && /verification is OFF/.test(l.message));
    expect(warning?.message).toMatch(/insecure-skip-tls-verify.*read the agent's token/);
  });
});

describe('certificate renewal', () => {
  it('serves a renewed certificate to new connections without a restart, once its key matches; open connections go on', async () => {
    const agent = await joinAgent('gw-renewal', `mqtts://127.0.0.1:${hub.mqttsPort}`, {
      caFile: ca.certFile,
    });
    await eventually(() => expect(agent.sync!.state).toBe('ACTIVE'));
    expect(await servedSerial(hub.port)).toBe(first.serial);
    expect(await servedSerial(hub.mqttsPort!)).toBe(first.serial);
    const renewed = issueServerCertificate(ca, join(root, 'renewal'), 'hub');

    // Half-way through a renewal the new certificate does not match the old key: the hub keeps its pair.
    replace(renewed.certFile, first.certFile);
    await eventually(() =>
      expect(hubLines.some((l) => l.level === 'warn' && /cannot be used \(yet\)/.test(l.message))).toBe(true),
    );
    expect(await servedSerial(hub.port)).toBe(first.serial);

    replace(renewed.keyFile, first.keyFile);
    await eventually(async () => expect(await servedSerial(hub.port)).toBe(renewed.serial));
    expect(await servedSerial(hub.mqttsPort!)).toBe(renewed.serial);
    expect(hubLines.some((l) => l.message === 'TLS certificate reloaded')).toBe(true);

    // The agent's session, opened on the old certificate, was not cut: it still syncs.
    expect(agent.sync!.stats().connects).toBe(1);
    await runOnAgent('gw-renewal');
    expect(agent.sync!.stats().connects).toBe(1);
  });
});
