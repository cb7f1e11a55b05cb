/** Functions: now, secret, kv, fromJson, uuid, range, max. */
import { describe, expect, it } from 'vitest';
import { ExpressionError } from '../../protocol/errors.js';
import { type ExpressionFunctions, Renderer } from './index.js';

const r = new Renderer();
const store: Record<string, unknown> = { 'prod/threshold': 10, 'default/colour': 'blue' };
const fns: ExpressionFunctions = {
  secret: (name) => ({ API_KEY: 's3cr3t-value' })[name],
  kv: (key, namespace) => store[`${namespace ?? 'default'}/${key}`],
};

describe('now()', () => {
  it('returns an ISO-8601 date-time', () => {
    const before = Date.now();
    const out = r.evaluate('now()', {}) as string;
    expect(Date.parse(out)).toBeGreaterThanOrEqual(before);
  });

  it('renders in the time zone given by name', () => {
    expect(r.evaluate("now(timeZone='Asia/Kolkata')", {})).toMatch(/\+05:30$/);
  });
});

describe('secret()', () => {
  it('reads a secret through the functions given', () => {
    expect(r.render("Bearer {{ secret('API_KEY') }}", {}, fns)).toBe('Bearer s3cr3t-value');
  });

  it('fails naming an unknown secret', () => {
    expect(() => r.render("{{ secret('NOPE') }}", {}, fns)).toThrow("secret 'NOPE' is not defined");
  });

  it('fails naming the secret when no functions are given', () => {
    expect(() => r.render("{{ secret('API_KEY') }}", {})).toThrow(/secret 'API_KEY' is not available/);
  });

  it('masks secret values in error messages', () => {
    try {
      r.render("{{ secret('API_KEY') | number }}", {}, fns);
      expect.unreachable();
    } catch (error) {
      const message = (error as ExpressionError).message;
      expect({ leaked: message.includes('s3cr3t-value'), masked: message.includes('******') }).toEqual({
        leaked: false,
        masked: true,
      });
    }
  });
});

describe('kv()', () => {
  it('reads a key', () => {
    expect(r.render("{{ kv('colour') }}", {}, fns)).toBe('blue');
  });

  it('reads a key from a namespace', () => {
    expect(r.render("{{ kv('threshold', 'prod') + 1 }}", {}, fns)).toBe(11);
  });

  it('fails on a missing key', () => {
    expect(() => r.render("{{ kv('nope') }}", {}, fns)).toThrow(/kv key 'nope' does not exist/);
  });

  it('returns null for a missing key with errorOnMissing=false', () => {
    expect(r.render("{{ kv('nope', errorOnMissing=false) }}", {}, fns)).toBeNull();
  });
});

describe('other functions', () => {
  it('parses JSON with fromJson()', () => {
    expect(r.evaluate('fromJson(\'{"a": [true]}\').a[0]', {})).toBe(true);
  });

  it('makes a random UUID with uuid()', () => {
    const [a, b] = [r.evaluate('uuid()', {}), r.evaluate('uuid()', {})];
    expect({ a, differ: a !== b }).toEqual({ a: expect.stringMatching(/^[0-9a-f-]{36}$/), differ: true });
  });

  it('builds inclusive ranges with range()', () => {
    expect(r.evaluate('range(0, 6, 2)', {})).toEqual([0, 2, 4, 6]);
  });

  it('finds the largest number with max()', () => {
    expect(r.evaluate('max(3, 9, 4)', {})).toBe(9);
  });

  it('rejects named arguments outside a call', () => {
    expect(() => r.evaluate("[1, a='x']", {})).toThrow(ExpressionError);
  });
});

describe('functions that render', () => {
  it('report errors of their own expressions, not of the calling one', () => {
    const rendering: ExpressionFunctions = { secret: () => undefined, kv: () => r.render('{{ nope }}', {}) };
    expect(() => r.render("{{ kv('k') }}", {}, rendering)).toThrow(
      "undefined variable 'nope' in expression '{{ nope }}'",
    );
  });
});

describe("Kestra's context functions", () => {
  const r = new Renderer();

  it('currentEachOutput reads the output of the iteration in progress', () => {
    const vars = {
      taskrun: { value: 'b' },
      parent: { taskrun: { value: 'x' } },
      outputs: { t: { x: { a: { v: 1 }, b: { v: 2 } } } },
    };
    expect(r.render('{{ currentEachOutput(outputs.t).v }}', vars)).toBe(2);
  });

  it('currentEachOutput walks every enclosing iteration, outermost first, in nested loops', () => {
    const vars = {
      taskrun: { value: 'c' },
      parents: [{ taskrun: { value: 'b' } }, { taskrun: { value: 'a' } }],
      parent: { taskrun: { value: 'b' } },
      outputs: { t: { a: { b: { c: { v: 'abc' } } }, b: { c: { v: 'wrong' } } } },
    };
    expect(r.render('{{ currentEachOutput(outputs.t).v }}', vars)).toBe('abc');
  });

  it('fetchContext gives every variable, printContext the same as JSON', () => {
    const vars = { flow: { id: 'f' }, inputs: { n: 1 } };
    expect(r.render("{% set x = 'y' %}{{ fetchContext() | keys }}", vars)).toBe('["flow","inputs","x"]');
    expect(r.render('{{ printContext() }}', vars)).toBe('{"flow":{"id":"f"},"inputs":{"n":1}}');
  });

  it('randomInt stays in [lower, upper) and id() is 22 base-62 characters', () => {
    expect(r.render('{{ randomInt(5, 6) }}', {})).toBe(5);
    expect(r.render('{{ id() }}', {})).toMatch(/^[0-9A-Za-z]{22}$/);
  });

  it('errorLogs gives the lines fns.errorLogs holds, and says where it works when there are none', () => {
    const lines = [{ level: 'ERROR', message: 'boom' }];
    const fns = { secret: () => undefined, kv: () => undefined, errorLogs: () => lines };
    expect(r.render('{{ errorLogs()[0].message }}', {}, fns)).toBe('boom');
    expect(() => r.render('{{ errorLogs() }}', {})).toThrow(
      /errorLogs\(\) is only available while an execution runs/,
    );
  });

  it('reads files through fns.files, and says so when there are none', () => {
    const files = {
      read: (p: string) => `text of ${p}`,
      exists: (p: string) => p === 'a.txt',
      size: () => 0,
    };
    const fns = { secret: () => undefined, kv: () => undefined, files };
    const vars = { flow: { namespace: 'company.team' } };
    expect(r.render("{{ read('a.txt') }}", vars, fns)).toBe('text of a.txt');
    expect(r.render("{{ fileExists('b.txt') }}", vars, fns)).toBe(false);
    expect(r.render("{{ isFileEmpty('a.txt') }}", vars, fns)).toBe(true);
    expect(r.render("{{ fileURI('a.txt') }}", vars, fns)).toBe('tern:///company/team/_files/a.txt');
    expect(() => r.render("{{ fileSize('a.txt') }}", vars)).toThrow(/fileSize\(\) is not available here/);
  });
});
