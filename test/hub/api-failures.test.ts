/** What clients see when the hub itself fails: a generic 500 (the cause is logged), and an unhealthy /healthz. */
import { afterAll, beforeAll, expect, it } from 'vitest';
import { describeApi, type HubApi } from '../support/hub-api.js';
import { type Logged, recordingLogger } from '../support/logger.js';

const logged: Logged[] = [];

describeApi(
  'API with its database gone',
  (hub) => {
    let api: HubApi;
    let token: string;
    beforeAll(async () => {
      api = hub();
      token = (await api.storage.tokens.create('before-close')).token;
      // The database stops answering: every storage call fails from here on.
      await api.storage.close();
    });
    afterAll(() => {
      logged.length = 0;
    });

    it('answers 500 INTERNAL with a generic message and no stack trace, and logs the cause', async () => {
      const res = await api.call('GET', '/flows', { token });
      expect(res.status).toBe(500);
      expect(res.body).toEqual({ error: { code: 'INTERNAL', message: 'internal error' } });
      expect(res.text).not.toMatch(/\n\s+at |\.ts:\d+/);
      expect(logged.length).toBeGreaterThan(0);
    });

    it('reports 503 on /healthz', async () => {
      const res = await api.call('GET', '/healthz', { token: null });
      expect(res.status).toBe(503);
      expect(res.body.status).toBe('unavailable');
    });
  },
  { logger: recordingLogger(logged) },
);
