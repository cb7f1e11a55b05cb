/** JSON nested a million levels deep parses, but nothing after it could store or list it: refused at the edge. */
import { expect, it } from 'vitest';
import { MAX_JSON_DEPTH } from '../../protocol/json-depth.js';
import { describeApi } from '../support/hub-api.js';

const KEY = 'deep-json-webhook-key';
const FLOW = `id: deep
namespace: depth.t
inputs:
  - id: data
    type: JSON
    required: false
triggers:
  - id: hook
    type: webhook
    key: ${KEY}
tasks:
  - id: a
    type: log
    message: hi
`;

const nested = (levels: number) => `${'['.repeat(levels)}${']'.repeat(levels)}`;
const json = { 'content-type': 'application/json' };

describeApi(
  'JSON bodies nested too deep',
  (hub) => {
    it('are refused with 400 and where, by a webhook and by an execution start, and the API goes on', async () => {
      expect((await hub().call('POST', '/flows', { yaml: FLOW })).status).toBe(201);
      const body = nested(1_000_000);
      const webhook = await hub().call('POST', `/executions/webhook/depth.t/deep/${KEY}`, {
        token: null,
        body,
        headers: json,
      });
      expect(webhook.status).toBe(400);
      expect(webhook.body.error.message).toBe(
        `the JSON body is nested more than ${MAX_JSON_DEPTH} levels deep at line 1, column ${MAX_JSON_DEPTH + 1}`,
      );
      const started = await hub().call('POST', '/executions/depth.t/deep', {
        body: `{"data": ${body}}`,
        headers: json,
      });
      expect(started.status).toBe(400);
      expect((await hub().call('GET', '/executions')).status).toBe(200);
    });

    it('accepts JSON nested as deep as allowed', async () => {
      const webhook = await hub().call('POST', `/executions/webhook/depth.t/deep/${KEY}`, {
        token: null,
        body: nested(MAX_JSON_DEPTH),
        headers: json,
      });
      expect(webhook.status).toBe(200);
      expect((await hub().call('GET', '/executions')).status).toBe(200);
    });
  },
  { bodyLimitBytes: 4 * 1024 * 1024 },
);
