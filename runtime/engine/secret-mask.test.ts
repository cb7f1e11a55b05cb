/** Masking secret values out of text and values. */
import { describe, expect, it } from 'vitest';
import { SecretMask } from './secret-mask.js';

describe('SecretMask', () => {
  it('masks every occurrence, the longer secret first', () => {
    const mask = new SecretMask();
    mask.add('abc');
    mask.add('abcdef');
    expect(mask.text('x abcdef y abc')).toBe('x ****** y ******');
  });

  it('masks strings inside maps and lists, keys included, and keeps what holds no secret', () => {
    const mask = new SecretMask();
    mask.add('s3cr3t');
    const clean = { n: 1, list: ['a'] };
    const masked = mask.value({ clean, auth: ['Bearer s3cr3t'], s3cr3t: true });
    expect(masked).toEqual({ clean, auth: ['Bearer ******'], '******': true });
    expect(masked.clean).toBe(clean);
  });

  it('ignores values too short to mask without garbling every line', () => {
    const mask = new SecretMask();
    mask.add('ab');
    expect({ empty: mask.empty, text: mask.text('abab') }).toEqual({ empty: true, text: 'abab' });
  });

  it('says which of its secrets a value carries, in strings, lists and keys', () => {
    const mask = new SecretMask();
    mask.add('s3cr3t');
    mask.add('other-secret');
    mask.add('unused-secret');
    expect(mask.within({ auth: ['Bearer s3cr3t'], 'other-secret': 1, n: 2 }).sort()).toEqual([
      'other-secret',
      's3cr3t',
    ]);
    expect(mask.within('nothing here')).toEqual([]);
  });

  it('learns the candidates a value read back holds, and only those', () => {
    const mask = new SecretMask();
    mask.learnFrom({ token: 'Bearer s3cr3t' }, ['s3cr3t', 'absent-secret', 'ab']);
    expect(mask.text('s3cr3t absent-secret ab')).toBe('****** absent-secret ab');
  });
});
