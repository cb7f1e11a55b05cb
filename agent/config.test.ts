import { describe, expect, it } from 'vitest';
import { compileAgentOptions, DEFAULT_OUTBOX, DEFAULT_SYNC, parseLabels } from './config.js';

const hub = { id: 'gw-01', hubUrl: 'mqtt://127.0.0.1:1883' };

describe('compileAgentOptions', () => {
  it('fills every default', () => {
    const options = compileAgentOptions(hub);
    expect([options.sync, options.outbox, options.dataDir]).toEqual([
      DEFAULT_SYNC,
      DEFAULT_OUTBOX,
      '.tern/agent',
    ]);
  });

  it('keeps the protocol defaults the agent promises: 15 s keepalive, 500 ms to 30 s backoff, 4 in flight', () => {
    const { keepaliveSeconds, reconnectMinMs, reconnectMaxMs, maxInFlight, batchMaxRecords, batchMaxBytes } =
      compileAgentOptions(hub).sync;
    expect([
      keepaliveSeconds,
      reconnectMinMs,
      reconnectMaxMs,
      maxInFlight,
      batchMaxRecords,
      batchMaxBytes,
    ]).toEqual([15, 500, 30_000, 4, 500, 256 * 1024]);
  });

  it('takes keepaliveSeconds at the top level', () => {
    expect(compileAgentOptions({ ...hub, keepaliveSeconds: 30 }).sync.keepaliveSeconds).toBe(30);
  });

  it('lets an option given as undefined keep its default', () => {
    expect(compileAgentOptions({ ...hub, outbox: { maxRows: undefined } }).outbox.maxRows).toBe(
      DEFAULT_OUTBOX.maxRows,
    );
  });

  it('refuses batches that could not fit in one message', () => {
    expect(() => compileAgentOptions({ ...hub, sync: { batchMaxBytes: 2 * 1024 * 1024 } })).toThrow(
      /batchMaxBytes/,
    );
  });

  it('refuses a reconnect maximum below the minimum', () => {
    expect(() => compileAgentOptions({ ...hub, sync: { reconnectMinMs: 1000, reconnectMaxMs: 10 } })).toThrow(
      'reconnectMaxMs: 10 is below reconnectMinMs (1000)',
    );
  });

  it('refuses an unknown outbox policy', () => {
    expect(() => compileAgentOptions({ ...hub, outbox: { policy: 'keep' as never } })).toThrow(
      /outbox.policy/,
    );
  });

  it('takes a CA file and pins for a hub reached over TLS', () => {
    const tls = { caFile: 'ca.pem', pins: ['sha256/47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU='] };
    expect(compileAgentOptions({ id: 'gw-01', hubUrl: 'mqtts://hub:8883', tls }).tls).toEqual(tls);
    expect(compileAgentOptions({ id: 'gw-01', hubUrl: 'wss://hub/mqtt', tls }).tls).toEqual(tls);
    expect(compileAgentOptions({ ...hub, tls: { pins: [] } }).tls).toBeUndefined();
  });

  it('refuses TLS options for a hub reached in clear, where they would protect nothing', () => {
    expect(() => compileAgentOptions({ ...hub, tls: { caFile: 'ca.pem' } })).toThrow(
      /over TLS \(mqtts:\/\/ or wss:\/\/\), not 'mqtt:\/\/127.0.0.1:1883'/,
    );
  });

  it('refuses skipping verification together with a CA or pins it would not check', () => {
    expect(() =>
      compileAgentOptions({
        id: 'gw-01',
        hubUrl: 'mqtts://hub:8883',
        tls: { caFile: 'ca.pem', insecureSkipVerify: true },
      }),
    ).toThrow(/insecure-skip-tls-verify: with verification off/);
  });

  it('accepts a standalone agent with a flows folder and no hub', () => {
    expect(compileAgentOptions({ id: 'local', flowsDir: 'flows' }).hubUrl).toBeUndefined();
  });

  it("takes the hub's signing key as registration gives it, and refuses anything else or a key without a hub", () => {
    const hubKey = 'O2onvM62pC1io6jQKm8Nc2UyFXcd4kOmOsBIoYtZ2ik';
    expect(compileAgentOptions({ ...hub, hubKey }).hubKey).toBe(hubKey);
    expect(() => compileAgentOptions({ ...hub, hubKey: 'not-a-key' })).toThrow(
      /hub-key: 'not-a-key' is not an Ed25519 public key/,
    );
    expect(() => compileAgentOptions({ id: 'local', flowsDir: 'flows', hubKey })).toThrow(
      /hub-key: give the hub/,
    );
  });
});

describe('parseLabels', () => {
  it('reads comma-separated key=value pairs, trimming spaces', () => {
    expect(parseLabels('site=plant1, role = gateway')).toEqual({ site: 'plant1', role: 'gateway' });
  });

  it('keeps = signs inside a value', () => {
    expect(parseLabels('expr=a=b')).toEqual({ expr: 'a=b' });
  });

  it('reads nothing from an empty text', () => {
    expect(parseLabels('')).toEqual({});
  });
});
