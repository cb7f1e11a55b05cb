/** Kestra's jq filter over real jq, each case with the source of its expected value. */
import { describe, expect, it } from 'vitest';
import { jq } from './jq.js';

const KESTRA_TEST = 'Kestra JqFilterTest';
const VARS = {
  second: { string: 'string', int: 1, float: 1.123, list: ['string', 1, 1.123], bool: true, map: { int: 1 } },
};

describe('jq', () => {
  it.each([
    [KESTRA_TEST, [1, 2, 3], '.[0]', [1]],
    [KESTRA_TEST, { test: [1, 2, 3] }, '.test[0]', [1]],
    [KESTRA_TEST, VARS, '.second.string', ['string']],
    [KESTRA_TEST, VARS, '.second.int', [1]],
    [KESTRA_TEST, VARS, '.second.float', [1.123]],
    [KESTRA_TEST, VARS, '.second.list', [['string', 1, 1.123]]],
    [KESTRA_TEST, VARS, '.second.bool', [true]],
    [KESTRA_TEST, VARS, '.second.map', [{ int: 1 }]],
    [KESTRA_TEST, { second: [1, 2, 3] }, '.second[]', [1, 2, 3]],
    [KESTRA_TEST, { object: { key: 'value' } }, '.object', [{ key: 'value' }]],
    ['Kestra JqFilter: a string is read as JSON', '{"x": [3, 4]}', '.x | add', [7]],
    ['jq manual: a missing key is null', { a: 1 }, '.b', [null]],
    ['jq manual: empty gives no result', { a: 1 }, 'empty', []],
    [
      'jq manual: select and map',
      { items: [{ n: 1 }, { n: 2 }, { n: 3 }] },
      '[.items[] | select(.n > 1) | .n]',
      [[2, 3]],
    ],
    ['jq manual: string interpolation', { name: 'tern' }, '"hello \\(.name)"', ['hello tern']],
    ['64-bit integers reach jq exactly', { id: 9007199254740993n }, '.id | tostring', ['9007199254740993']],
    [
      'jq 1.7 manual: unchanged number literals keep their precision',
      { id: 9007199254740993n },
      '.id',
      [9007199254740993n],
    ],
    [
      'jq manual: long digit runs inside strings stay strings',
      { s: '12345678901234567890' },
      '.s',
      ['12345678901234567890'],
    ],
  ])('%s: %o | jq(%o)', (_source, value, program, expected) => {
    expect(jq(value, program)).toEqual(expected);
  });

  it('gives null for null (Kestra JqFilter)', () => {
    expect(jq(null, '.')).toBeNull();
  });

  it('reports a syntax error with the program and jq message', () => {
    expect(() => jq({ a: 1 }, '.a[')).toThrow(/jq: cannot apply '\.a\[' to \{"a":1\}: .*syntax error/s);
  });

  it('reports a runtime error raised by the program', () => {
    expect(() => jq({ a: 1 }, 'error("boom")')).toThrow(/jq: cannot apply .*boom/);
  });

  it('leaves the process exit code alone when jq fails', () => {
    const before = process.exitCode;
    expect(() => jq({ a: 1 }, 'error("boom")')).toThrow(/boom/);
    expect(process.exitCode).toBe(before);
  });

  it('refuses a string that is not JSON, as Kestra does', () => {
    expect(() => jq('not json', '.')).toThrow(/jq: cannot apply '\.' to not json/);
  });

  it('keeps working across many renders (fresh instances replace worn ones)', () => {
    for (let i = 0; i < 400; i++) expect(jq({ a: i }, '.a')).toEqual([i]);
  });
});
