/**
 * Agent versions on the hub: the upload (digest computed by the hub, never replaced), the list, the
 * download an agent makes with its own token, on PGlite and PostgreSQL; and, on a whole hub with its
 * broker, the desired state that names a version with the hub's signature of its digest.
 */
import { createHash } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import mqtt from 'mqtt';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Hub } from '../../hub/hub.js';
import { agentBundleContext } from '../../protocol/agent-update.js';
import { parseMessage } from '../../protocol/messages.js';
import { checkDetached, openDocument } from '../../protocol/signing.js';
import { agentTopic } from '../../protocol/topics.js';
import { apiCaller, describeApi, startTestHub } from '../support/hub-api.js';

const archive = (text: string) => gzipSync(Buffer.from(text));
const octets = (bytes: Buffer) => ({ body: bytes, headers: { 'content-type': 'application/octet-stream' } });

describeApi('agent versions', (hub) => {
  it('stores an upload with the SHA-256 the hub computes, lists it, and never replaces it', async () => {
    const bytes = archive('bundle 1.0.0');
    const up = await hub().call('PUT', '/agent-versions/1.0.0', octets(bytes));
    expect(up.status).toBe(201);
    expect(up.body).toMatchObject({
      version: '1.0.0',
      size: bytes.length,
      sha256: createHash('sha256').update(bytes).digest('hex'),
    });
    const again = await hub().call('PUT', '/agent-versions/1.0.0', octets(archive('another build')));
    expect(again.status).toBe(409);
    expect(again.body.error.message).toBe('agent version 1.0.0 exists; versions are never replaced');
    const list = await hub().call('GET', '/agent-versions');
    expect(list.body.map((v: { version: string }) => v.version)).toContain('1.0.0');
  });

  it('refuses what is not a gzip archive, and a version name that is not a folder name', async () => {
    const plain = await hub().call('PUT', '/agent-versions/1.0.1', octets(Buffer.from('not gzip')));
    expect(plain.status).toBe(400);
    expect(plain.body.error.message).toBe('the body is not a gzip archive (.tar.gz) of the agent bundle');
    const dotted = await hub().call('PUT', '/agent-versions/.hidden', octets(archive('x')));
    expect(dotted.status).toBe(400);
    expect((await hub().call('PUT', '/agent-versions/1.0.2', octets(Buffer.alloc(0)))).status).toBe(400);
  });

  it('serves the archive to the agent with its own token, and to nothing else', async () => {
    const bytes = archive('bundle 2.0.0');
    expect((await hub().call('PUT', '/agent-versions/2.0.0', octets(bytes))).status).toBe(201);
    const { token } = (await hub().call('POST', '/agents', { json: { id: 'gw-dl', labels: {} } })).body;
    const path = '/agents/gw-dl/bundles/2.0.0';
    const served = await fetch(`${hub().url}/api/v1${path}`, {
      headers: { authorization: `Bearer ${token}` },
    });
    expect(served.status).toBe(200);
    expect(Buffer.from(await served.arrayBuffer())).toEqual(bytes);
    // The admin's API token is not the agent's; nor is no token.
    expect((await hub().call('GET', path)).status).toBe(401);
    expect((await hub().call('GET', path, { token: null })).status).toBe(401);
    expect((await hub().call('GET', '/agents/gw-dl/bundles/9.9.9', { token })).status).toBe(404);
  });

  it('sets an agent version only for an agent and a version the hub has', async () => {
    await hub().call('POST', '/agents', { json: { id: 'gw-set', labels: {} } });
    const missing = await hub().call('PUT', '/agents/gw-set/version', { json: { version: '7.7.7' } });
    expect(missing.status).toBe(404);
    expect(missing.body.error.message).toBe('no agent version 7.7.7: upload it first');
    const nobody = await hub().call('PUT', '/agents/gw-nobody/version', { json: { version: null } });
    expect(nobody.status).toBe(404);
  });
});

describe('an agent version in the desired state', () => {
  const ADMIN = 'tern_agent_versions_admin_token_0123456789';
  const root = mkdtempSync(join(tmpdir(), 'tern-agent-versions-'));
  let hub: Hub;
  let call: ReturnType<typeof apiCaller>;

  beforeAll(async () => {
    hub = await startTestHub(join(root, 'hub'), ADMIN);
    call = apiCaller(hub.url, ADMIN);
  }, 60_000);

  afterAll(async () => {
    await hub?.close();
    rmSync(root, { recursive: true, force: true });
  });

  it("carries the version's digest and size, signed by the hub's key for that version", async () => {
    const bytes = archive('bundle 3.0.0');
    expect((await call('PUT', '/agent-versions/3.0.0', octets(bytes))).status).toBe(201);
    await call('POST', '/agents', { json: { id: 'gw-desired', labels: {} } });
    const set = await call('PUT', '/agents/gw-desired/version', { json: { version: '3.0.0' } });
    expect(set.status).toBe(200);
    expect(set.body.status).toMatchObject({ targetVersion: '3.0.0', desired: { agentVersion: '3.0.0' } });

    const topic = agentTopic('gw-desired', 'desired');
    const client = await mqtt.connectAsync(`mqtt://127.0.0.1:${hub.mqttPort}`, {
      ...hub.brokerCredentials!,
      reconnectPeriod: 0,
    });
    try {
      const received = new Promise<Buffer>((resolve) =>
        client.once('message', (_t, payload) => resolve(payload)),
      );
      await client.subscribeAsync(topic, { qos: 1 });
      const opened = openDocument(await received, topic);
      expect(opened.ok).toBe(true);
      if (!opened.ok) return;
      const desired = parseMessage('desired', opened.payload);
      if (!desired.ok) throw new Error(desired.error);
      const sha256 = createHash('sha256').update(bytes).digest();
      expect(desired.value.agent).toMatchObject({
        version: '3.0.0',
        sha256: sha256.toString('hex'),
        size: bytes.length,
      });
      const signature = desired.value.agent!.signature;
      const current = (await call('GET', '/signing-keys')).body.current;
      expect(signature.key).toBe(current);
      expect(checkDetached(signature, sha256, agentBundleContext('3.0.0')).ok).toBe(true);
      // Bound to the version: the same signature does not pass for another.
      expect(checkDetached(signature, sha256, agentBundleContext('3.0.1')).ok).toBe(false);
    } finally {
      await client.endAsync();
    }
  });
});
