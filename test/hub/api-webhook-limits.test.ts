/** Webhook keys long enough to be secrets, and addresses that fail too often made to wait, on the real hub API. */
import { beforeAll, expect, it } from 'vitest';
import type { Logger } from '../../protocol/logger.js';
import { parseFlow } from '../../runtime/flow-loader.js';
import { describeApi } from '../support/hub-api.js';

const NS = 'hook.limits';
const KEY = 'a-long-enough-key-0123';

const withKey = (id: string, key: string) => `id: ${id}
namespace: ${NS}
triggers:
  - id: hook
    type: webhook
    key: ${JSON.stringify(key)}
tasks:
  - id: show
    type: log
    message: hooked
`;

const warnings: { obj: object; msg?: string }[] = [];
const warningLogger: Logger = {
  debug() {},
  info() {},
  warn: (obj, msg) => warnings.push({ obj, msg }),
  error() {},
  child: () => warningLogger,
};

describeApi(
  'webhook keys',
  (hub) => {
    it('refuses to save a flow whose webhook key is shorter than 16 characters, naming the key (422)', async () => {
      const res = await hub().call('POST', '/flows', { yaml: withKey('short', 'abc123') });
      expect(res.status).toBe(422);
      expect(res.body.error.code).toBe('INVALID_FLOW');
      expect(res.body.error.details).toEqual([
        expect.objectContaining({
          path: 'triggers[0].key',
          message: expect.stringMatching(/^must be at least 16 characters \(got 6\)/),
          line: 6,
        }),
      ]);
      expect((await hub().call('GET', `/flows/${NS}/short`)).status).toBe(404);
    });

    it('refuses a webhook key written as an expression: keys are compared as written', async () => {
      const res = await hub().call('POST', '/flows', {
        yaml: withKey('templated', "{{ secret('HOOK_KEY') }}-padding"),
      });
      expect(res.status).toBe(422);
      expect(res.body.error.details).toEqual([
        expect.objectContaining({
          path: 'triggers[0].key',
          message: expect.stringContaining('never rendered'),
        }),
      ]);
    });

    it('reports the short key through /flows/validate too', async () => {
      const res = await hub().call('POST', '/flows/validate', { yaml: withKey('short', '123456789012345') });
      expect(res.status).toBe(200);
      expect(res.body.valid).toBe(false);
      expect(res.body.problems.map((p: { path: string }) => p.path)).toEqual(['triggers[0].key']);
    });

    it('saves a flow whose key has 16 characters', async () => {
      const res = await hub().call('POST', '/flows', { yaml: withKey('sixteen', '0123456789abcdef') });
      expect(res.status).toBe(201);
    });

    it('keeps running a flow stored with a short key, but its webhook answers 404 and logs why', async () => {
      const api = hub();
      const source = withKey('legacy', 'tiny');
      // As stored by a hub from before the minimum: straight into storage, past the API's checks.
      const { flow } = parseFlow(source, api.services.registry);
      await api.storage.flows.save(flow!, source);
      const hooked = await api.call('POST', `/executions/webhook/${NS}/legacy/tiny`, { token: null });
      expect(hooked.status).toBe(404);
      expect(warnings).toContainEqual({
        obj: expect.objectContaining({ namespace: NS, flowId: 'legacy', triggerId: 'hook' }),
        msg: expect.stringContaining('shorter than 16 characters'),
      });
      const started = await api.call('POST', `/executions/${NS}/legacy?wait=true`, { json: {} });
      expect(started.status).toBe(201);
      expect(started.body.state).toBe('SUCCESS');
    });
  },
  { logger: warningLogger },
);

describeApi('webhook failures per address', (hub) => {
  beforeAll(async () => {
    const res = await hub().call('POST', '/flows', { yaml: withKey('limited', KEY) });
    if (res.status !== 201) throw new Error(`cannot create the test flow: ${res.text}`);
  });

  it('never holds back calls that succeed', async () => {
    for (let i = 0; i < 25; i++) {
      const res = await hub().call('POST', `/executions/webhook/${NS}/limited/${KEY}`, { token: null });
      expect(res.status).toBe(200);
    }
  });

  it('answers 429 with Retry-After after 20 failed calls from one address, the right key included', async () => {
    for (let i = 0; i < 20; i++) {
      const res = await hub().call('POST', `/executions/webhook/${NS}/limited/guess-${i}`, { token: null });
      expect(res.status).toBe(404);
    }
    const blocked = await hub().call('POST', `/executions/webhook/${NS}/limited/guess-20`, { token: null });
    expect(blocked.status).toBe(429);
    expect(blocked.body.error.code).toBe('TOO_MANY_REQUESTS');
    const retryAfter = Number(blocked.headers.get('retry-after'));
    expect(retryAfter).toBeGreaterThan(0);
    expect(retryAfter).toBeLessThanOrEqual(60);
    const right = await hub().call('POST', `/executions/webhook/${NS}/limited/${KEY}`, { token: null });
    expect(right.status).toBe(429);
  });
});
