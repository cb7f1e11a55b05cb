/** Named parameters rewritten to each driver's positional ones, outside literals, comments and casts. */
import { describe, expect, it } from 'vitest';
import { TaskError } from '../../protocol/errors.js';
import { bindNamed, statement } from './placeholders.js';

describe('bindNamed', () => {
  it('numbers PostgreSQL placeholders, a repeated name reusing its number', () => {
    expect(bindNamed('select :a, :b, :a', { a: 1, b: 2 }, 'postgres')).toEqual({
      text: 'select $1, $2, $1',
      values: [1, 2],
    });
  });

  it('writes ? for MySQL and SQLite, repeating the value for a repeated name', () => {
    for (const dialect of ['mysql', 'sqlite'] as const) {
      expect(bindNamed('select :a, :b, :a', { a: 1, b: 2 }, dialect)).toEqual({
        text: 'select ?, ?, ?',
        values: [1, 2, 1],
      });
    }
  });

  it('leaves names inside string literals, quoted identifiers and comments alone', () => {
    const sql = `select ':x', "a:x", :x -- :x\n/* :x */ from t where s = 'it''s :x'`;
    expect(bindNamed(sql, { x: 5 }, 'postgres')).toEqual({
      text: `select ':x', "a:x", $1 -- :x\n/* :x */ from t where s = 'it''s :x'`,
      values: [5],
    });
  });

  it('keeps PostgreSQL casts, dollar-quoted bodies and E-strings intact', () => {
    const sql = "select :n::int, $$ :n $$, $f$ :n $f$, E'\\' :n', $1";
    expect(bindNamed(sql, { n: '7' }, 'postgres').text).toBe(
      "select $1::int, $$ :n $$, $f$ :n $f$, E'\\' :n', $1",
    );
  });

  it('knows MySQL’s backslash escapes, backticks and # comments', () => {
    const sql = "select 'a\\' :x', `b:x`, :x # :x";
    expect(bindNamed(sql, { x: 1 }, 'mysql')).toEqual({
      text: "select 'a\\' :x', `b:x`, ? # :x",
      values: [1],
    });
  });

  it('fails without retry on a name missing from the parameters', () => {
    const err = (() => {
      try {
        bindNamed('select :missing', {}, 'sqlite');
      } catch (e) {
        return e as TaskError;
      }
    })();
    expect(err).toBeInstanceOf(TaskError);
    expect(err?.message).toBe('sql uses :missing, which is not among the parameters');
    expect(err?.retryable).toBe(false);
  });

  it('does not take an inherited property for a parameter', () => {
    expect(() => bindNamed('select :toString', {}, 'postgres')).toThrow(/not among the parameters/);
  });
});

describe('statement', () => {
  it('passes a list of parameters with the SQL untouched', () => {
    expect(statement('select $1, :x', [1], 'postgres')).toEqual({ text: 'select $1, :x', values: [1] });
  });

  it('leaves SQL without parameters untouched', () => {
    expect(statement('select :x::int', undefined, 'postgres')).toEqual({
      text: 'select :x::int',
      values: [],
    });
  });
});
