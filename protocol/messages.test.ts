import { describe, expect, it } from 'vitest';
import {
  appliedStateHash,
  checkMessage,
  MAX_DESIRED_BYTES,
  MAX_MESSAGE_BYTES,
  type Messages,
  parseMessage,
} from './messages.js';

const at = '2025-01-02T03:04:05.678Z';

const valid: Messages = {
  hello: {
    agentId: 'gw-01',
    version: '0.1.0',
    pluginTypes: ['log', 'shell'],
    labels: { site: 'plant1' },
    appliedHash: 'abc',
    outbox: { highSeq: 10, ackedSeq: 4, depth: 6 },
    startedAt: at,
  },
  status: {
    state: 'online',
    since: at,
    load: { running: 1, queued: 0, rssBytes: 1000 },
    footprint: {
      rssBytes: 40_000_000,
      heapUsedBytes: 9_000_000,
      heapLimitBytes: 128_000_000,
      eventLoopDelayP99Ms: 10.5,
      readyMs: 212.4,
    },
  },
  desired: {
    generation: 3,
    flows: [{ namespace: 'plant', id: 'read', revision: 2, hash: 'h', source: 'id: read' }],
    publishedAt: at,
  },
  reported: {
    generation: 3,
    hash: 'x',
    applied: [],
    refused: [{ namespace: 'a', id: 'b', revision: 1, reason: 'r' }],
  },
  events: {
    after: 0,
    records: [
      { seq: 1, kind: 'execution', at, data: { id: 'e1' } },
      { seq: 2, kind: 'log', at, data: { message: 'hi' } },
    ],
  },
  ack: { seq: 2 },
  cmd: { id: 'c1', type: 'run', namespace: 'plant', flowId: 'read', executionId: 'e9' },
};

const parse = <K extends keyof Messages>(kind: K, value: unknown) =>
  parseMessage(kind, JSON.stringify(value));

describe('parseMessage', () => {
  for (const kind of Object.keys(valid) as (keyof Messages)[]) {
    it(`accepts a valid ${kind} message and returns it`, () => {
      expect(parse(kind, valid[kind])).toEqual({ ok: true, value: valid[kind] });
    });
  }

  it('names the footprint field that is wrong in a status', () => {
    const footprint = { ...valid.status.footprint, eventLoopDelayP99Ms: -1 };
    const result = parse('status', { ...valid.status, footprint });
    expect(result.ok).toBe(false);
    expect(!result.ok && result.error).toBe('status: footprint.eventLoopDelayP99Ms must be >= 0');
  });

  it('accepts a status without readyMs, as an agent sends it before it is ready', () => {
    const { readyMs: _, ...footprint } = valid.status.footprint!;
    expect(parse('status', { ...valid.status, footprint }).ok).toBe(true);
  });

  it('accepts a Buffer payload', () => {
    expect(parseMessage('ack', Buffer.from('{"seq":7}'))).toEqual({ ok: true, value: { seq: 7 } });
  });

  it('reports malformed JSON without throwing', () => {
    const result = parseMessage('cmd', '{"id": ');
    expect(result.ok).toBe(false);
    expect(!result.ok && result.error).toMatch(/^cmd: malformed JSON/);
  });

  it('names the missing field', () => {
    const { startedAt: _, ...hello } = valid.hello;
    expect(parse('hello', hello)).toEqual({ ok: false, error: 'hello: startedAt is required' });
  });

  it('names a nested field with the wrong type by its path', () => {
    const events = { after: 0, records: [{ seq: 1.5, kind: 'log', at, data: {} }] };
    expect(parse('events', events)).toEqual({ ok: false, error: 'events: records[0].seq must be integer' });
  });

  it('lists the allowed values of an enumerated field', () => {
    expect(parse('cmd', { id: 'c', type: 'reboot' })).toEqual({
      ok: false,
      error: 'cmd: type must be one of run, kill, restart, replay, resume, ping',
    });
  });

  it('refuses a seq below 1', () => {
    const events = { after: 0, records: [{ seq: 0, kind: 'log', at, data: {} }] };
    expect(parse('events', events)).toEqual({ ok: false, error: 'events: records[0].seq must be >= 1' });
  });

  it('refuses records whose seq does not increase within a batch', () => {
    const events = {
      after: 0,
      records: [
        { seq: 5, kind: 'log', at, data: {} },
        { seq: 5, kind: 'log', at, data: {} },
      ],
    };
    expect(parse('events', events)).toEqual({
      ok: false,
      error: 'events: records[1].seq 5 does not follow 5: seq must increase',
    });
  });

  it('refuses a seq beyond 2^53 - 1, whose JSON number cannot be told from its neighbours', () => {
    const events = `{"after":0,"records":[{"seq":9007199254740993,"kind":"log","at":"${at}","data":{}}]}`;
    expect(parseMessage('events', events)).toEqual({
      ok: false,
      error: 'events: records[0].seq must be <= 9007199254740991',
    });
    expect(parseMessage('ack', '{"seq":9007199254740992}').ok).toBe(false);
  });

  it('refuses a batch whose first record does not follow its after mark', () => {
    const events = { after: 7, records: [{ seq: 7, kind: 'log', at, data: {} }] };
    expect(parse('events', events)).toEqual({
      ok: false,
      error: 'events: records[0].seq 7 does not follow after 7',
    });
  });

  it('refuses an events batch without the seq it follows', () => {
    expect(parse('events', { records: valid.events.records })).toEqual({
      ok: false,
      error: 'events: after is required',
    });
  });

  it('refuses an empty events batch', () => {
    expect(parse('events', { after: 0, records: [] })).toEqual({
      ok: false,
      error: 'events: records must NOT have fewer than 1 items',
    });
  });

  it('refuses a record time that is not an ISO date-time', () => {
    const events = { after: 0, records: [{ seq: 1, kind: 'log', at: 'yesterday', data: {} }] };
    expect(parse('events', events)).toEqual({
      ok: false,
      error: 'events: records[0].at must match format "date-time"',
    });
  });

  it('refuses a run command without its flow', () => {
    expect(parse('cmd', { id: 'c', type: 'run', namespace: 'plant' })).toEqual({
      ok: false,
      error: "cmd: a 'run' command needs namespace and flowId",
    });
  });

  it('refuses a kill command without an execution id', () => {
    expect(parse('cmd', { id: 'c', type: 'kill' })).toEqual({
      ok: false,
      error: "cmd: a 'kill' command needs executionId",
    });
  });

  it('refuses a desired state that lists a flow twice', () => {
    const flow = valid.desired.flows[0]!;
    expect(parse('desired', { ...valid.desired, flows: [flow, { ...flow, revision: 3 }] })).toEqual({
      ok: false,
      error: 'desired: flows[1]: flow plant.read is listed twice',
    });
  });

  it('refuses a message that is not an object', () => {
    expect(parse('ack', [1])).toEqual({ ok: false, error: 'ack: (message) must be object' });
  });

  it('accepts fields it does not know, for newer peers', () => {
    expect(parse('ack', { seq: 1, extra: true }).ok).toBe(true);
  });

  it('refuses a payload above the size limit before parsing it', () => {
    const big = Buffer.alloc(MAX_MESSAGE_BYTES + 1, 0x20);
    expect(parseMessage('events', big)).toEqual({
      ok: false,
      error: `events: message of ${MAX_MESSAGE_BYTES + 1} bytes exceeds the limit of ${MAX_MESSAGE_BYTES}`,
    });
  });

  it('gives desired messages the larger limit', () => {
    const source = 'x'.repeat(MAX_MESSAGE_BYTES);
    const d = { ...valid.desired, flows: [{ ...valid.desired.flows[0]!, source }] };
    expect(parse('desired', d).ok).toBe(true);
    expect(parseMessage('desired', Buffer.alloc(MAX_DESIRED_BYTES + 1)).ok).toBe(false);
  });

  it('lists at most five problems and counts the rest', () => {
    const records = Array.from({ length: 8 }, (_, i) => ({ seq: i + 1, kind: 'nope', at, data: {} }));
    const result = parse('events', { after: 0, records });
    expect(!result.ok && result.error).toMatch(/; and 3 more$/);
  });
});

describe('checkMessage', () => {
  it('returns undefined for a valid decoded message', () => {
    expect(checkMessage('status', valid.status)).toBeUndefined();
  });
});

describe('appliedStateHash', () => {
  const a = { namespace: 'n', id: 'a', revision: 1, hash: 'x' };
  const b = { namespace: 'n', id: 'b', revision: 2, hash: 'y' };

  it('does not depend on the order of the flows', () => {
    expect(appliedStateHash([a, b])).toBe(appliedStateHash([b, a]));
  });

  it('changes when a revision changes', () => {
    expect(appliedStateHash([a, b])).not.toBe(appliedStateHash([a, { ...b, revision: 3 }]));
  });

  it('is the SHA-256 of nothing for no flows', () => {
    expect(appliedStateHash([])).toBe('e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855');
  });
});
