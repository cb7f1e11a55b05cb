/** Namespace file paths and Kestra's globs, as flows write them. */
import { describe, expect, it } from 'vitest';
import { globMatcher, namespaceFilePath, selectPaths } from './namespace-files.js';

describe('namespaceFilePath', () => {
  it('stores one form whatever the slashes', () => {
    expect(namespaceFilePath('/scripts//etl.py')).toBe('scripts/etl.py');
    expect(namespaceFilePath('scripts/etl.py/')).toBe('scripts/etl.py');
  });

  it.each(['', '/', '../x', 'a/./b', 'a\\b', 'a\0b'])('refuses %j', (path) => {
    expect(() => namespaceFilePath(path)).toThrow(/not usable/);
  });
});

describe("Kestra's globs", () => {
  it.each([
    ['**.py', 'a/b/c.py', true],
    ['**.py', 'c.py', true],
    ['*.py', 'a/c.py', false],
    ['/scripts/**', 'scripts/x/y.sh', true],
    ['scripts/*.sh', 'scripts/x/y.sh', false],
    ['glob:**/dbt/**', 'proj/dbt/models/a.sql', true],
    ['**/*.{sql,py}', 'q.sql', true],
    ['data?.csv', 'data1.csv', true],
    ['data?.csv', 'data10.csv', false],
    ['a.b', 'axb', false],
  ])('%s against %s is %s', (pattern, path, expected) => {
    expect(globMatcher(pattern)(path)).toBe(expected);
  });

  it('selects the included paths minus the excluded ones; all without include', () => {
    const paths = ['a.sql', 'b.py', 'tmp/c.sql'];
    expect(selectPaths(paths, ['**.sql'], ['tmp/**'])).toEqual(['a.sql']);
    expect(selectPaths(paths, undefined, ['**.py'])).toEqual(['a.sql', 'tmp/c.sql']);
  });
});
