/** Broker limits: defaults filled in, unknown or bad values refused by name. */
import { describe, expect, it } from 'vitest';
import { compileLimits, HUB_BROKER_DEFAULTS, parseLimits } from './limits.js';

describe('compileLimits', () => {
  it('fills in the defaults around the limits given', () => {
    const limits = compileLimits({ maxPending: 1000 }, HUB_BROKER_DEFAULTS, 'mqttLimits');
    expect(limits).toEqual({ ...HUB_BROKER_DEFAULTS, maxPending: 1000 });
  });

  it('defaults to a 10 s connect timeout and 64 KiB packets before authentication', () => {
    expect(HUB_BROKER_DEFAULTS).toMatchObject({ connectTimeoutMs: 10_000, preAuthPacketBytes: 65_536 });
  });

  it('refuses an unknown limit and one that is not a positive integer, naming it', () => {
    expect(() => compileLimits({ maxPendng: 5 }, HUB_BROKER_DEFAULTS, 'mqttLimits')).toThrow(
      /^mqttLimits\.maxPendng: unknown limit/,
    );
    expect(() => compileLimits({ connectTimeoutMs: 1.5 }, HUB_BROKER_DEFAULTS, 'mqttLimits')).toThrow(
      'mqttLimits.connectTimeoutMs: must be a positive integer, got 1.5',
    );
  });
});

describe('parseLimits', () => {
  it('takes a JSON object and refuses anything else', () => {
    expect(parseLimits('{"maxPending": 5}', '--mqtt-limits')).toEqual({ maxPending: 5 });
    expect(() => parseLimits('[5]', '--mqtt-limits')).toThrow('--mqtt-limits: must be a JSON object');
    expect(() => parseLimits('{maxPending: 5}', '--mqtt-limits')).toThrow(/^--mqtt-limits: not JSON/);
  });
});
