import { describe, expect, it } from 'vitest';
import { addressKey, FailureLimiter } from './failure-limiter.js';

const limits = { failures: 3, windowMs: 60_000, maxAddresses: 2 };

describe('FailureLimiter', () => {
  it('lets an address fail up to the limit, then makes it wait until its window ends', () => {
    let now = 1_000_000;
    const limiter = new FailureLimiter(limits, () => now);
    for (let i = 0; i < 3; i++) {
      expect(limiter.retryAfterSeconds('192.0.2.1')).toBe(0);
      limiter.recordFailure('192.0.2.1');
      now += 1000;
    }
    expect(limiter.retryAfterSeconds('192.0.2.1')).toBe(57);
    expect(limiter.retryAfterSeconds('192.0.2.2')).toBe(0);
    now = 1_000_000 + 60_000;
    expect(limiter.retryAfterSeconds('192.0.2.1')).toBe(0);
  });

  it('remembers a bounded number of addresses, forgetting the oldest first', () => {
    const limiter = new FailureLimiter({ ...limits, failures: 1 }, () => 0);
    limiter.recordFailure('192.0.2.1');
    limiter.recordFailure('192.0.2.2');
    limiter.recordFailure('192.0.2.3');
    expect(limiter.retryAfterSeconds('192.0.2.1')).toBe(0);
    expect(limiter.retryAfterSeconds('192.0.2.2')).toBe(60);
    expect(limiter.retryAfterSeconds('192.0.2.3')).toBe(60);
  });
});

describe('addressKey', () => {
  it('counts an IPv6 address by its /64 network, and a mapped IPv4 address as IPv4', () => {
    expect(addressKey('2001:db8:1:2:a:b:c:d')).toBe('2001:db8:1:2::/64');
    expect(addressKey('2001:db8:1:2::7')).toBe('2001:db8:1:2::/64');
    expect(addressKey('2001:db8::1')).toBe('2001:db8:0:0::/64');
    expect(addressKey('::1')).toBe('0:0:0:0::/64');
    expect(addressKey('fe80::1%eth0')).toBe('fe80:0:0:0::/64');
    expect(addressKey('::ffff:192.0.2.7')).toBe('192.0.2.7');
    expect(addressKey('192.0.2.7')).toBe('192.0.2.7');
  });
});
