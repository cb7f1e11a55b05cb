/** Admission at accept time: caps on pending connections and a connect rate per address, on a clock moved by hand. */
import { describe, expect, it } from 'vitest';
import type { Logger } from '../../protocol/logger.js';
import { Admission, type AdmissionLimits, addressKey, type Refusal } from './admission.js';

const LIMITS: AdmissionLimits = {
  maxPending: 4,
  maxPendingPerAddress: 2,
  connectsPerSecondPerAddress: 2,
  connectBurstPerAddress: 3,
};

function setup(limits: AdmissionLimits = LIMITS) {
  const clock = { now: 0 };
  const refusals: Refusal[] = [];
  const warnings: Array<{ fields: Record<string, unknown>; msg?: string }> = [];
  const logger: Logger = {
    debug() {},
    info() {},
    warn: (fields, msg) => warnings.push({ fields: fields as Record<string, unknown>, msg }),
    error() {},
    child: () => logger,
  };
  const admission = new Admission(limits, { logger, onRefused: (r) => refusals.push(r) }, () => clock.now);
  return { admission, clock, refusals, warnings };
}

describe('Admission', () => {
  it('refuses a third pending connection from one address and takes one from another', () => {
    const { admission, refusals } = setup();
    expect(admission.admit('10.0.0.1')).toBeDefined();
    expect(admission.admit('10.0.0.1')).toBeDefined();
    expect(admission.admit('10.0.0.1')).toBeUndefined();
    expect(admission.admit('10.0.0.2')).toBeDefined();
    expect([refusals, admission.pending]).toEqual([['pending_per_address'], 3]);
  });

  it('refuses beyond the total cap, and takes again once a pending connection settles', () => {
    const { admission, refusals } = setup();
    const taken = ['10.0.0.1', '10.0.0.2', '10.0.0.3', '10.0.0.4'].map((a) => admission.admit(a));
    expect(admission.admit('10.0.0.5')).toBeUndefined();
    taken[0]!.settle();
    taken[0]!.settle();
    expect(admission.admit('10.0.0.5')).toBeDefined();
    expect([refusals, admission.pending]).toEqual([['pending'], 4]);
  });

  it('limits the connect rate of an address with a token bucket', () => {
    const { admission, clock, refusals } = setup({ ...LIMITS, maxPendingPerAddress: 100, maxPending: 100 });
    for (let i = 0; i < 3; i++) admission.admit('10.0.0.1')!.settle();
    expect(admission.admit('10.0.0.1')).toBeUndefined();
    clock.now += 500; // one token back at 2 a second
    expect(admission.admit('10.0.0.1')).toBeDefined();
    expect(admission.admit('10.0.0.1')).toBeUndefined();
    expect(admission.admit('10.0.0.2')).toBeDefined();
    expect(refusals).toEqual(['rate', 'rate']);
  });

  it('logs a refused address once per minute, with the count of refusals not logged', () => {
    const { admission, clock, warnings } = setup({ ...LIMITS, connectBurstPerAddress: 1 });
    admission.admit('10.0.0.1');
    for (let i = 0; i < 5; i++) admission.admit('10.0.0.1');
    clock.now += 60_000;
    admission.admit('10.0.0.1');
    admission.admit('10.0.0.1');
    const logged = warnings.filter((e) => e.msg === 'MQTT connection refused at accept');
    expect(logged.map((e) => e.fields.refusedSinceLastLog)).toEqual([0, 4]);
  });

  it('counts an IPv6 /64 as one address, and an IPv4-mapped address as the IPv4 one', () => {
    expect(addressKey('2001:db8:1:2:aa::1')).toBe('2001:db8:1:2::/64');
    expect(addressKey('2001:db8:1:2:ffff:1:2:3')).toBe('2001:db8:1:2::/64');
    expect(addressKey('2001:db8::7')).toBe('2001:db8:0:0::/64');
    expect(addressKey('fe80::1%eth0')).toBe('fe80:0:0:0::/64');
    expect(addressKey('::ffff:192.0.2.7')).toBe('192.0.2.7');
    expect(addressKey(undefined)).toBe('unknown');
  });
});
