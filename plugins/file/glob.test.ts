/** What a `file` trigger's `path` selects: folders, single files and globs. */
import { describe, expect, it } from 'vitest';
import { selectFiles } from './glob.js';

const folders = new Set(['/data/in']);
const select = (path: string) => selectFiles(path, (p) => folders.has(p), '/work');

describe('file selection', () => {
  it('takes a folder as its own files, not those of subfolders', () => {
    const s = select('/data/in');
    expect([s.base, s.recursive]).toEqual(['/data/in', false]);
    expect(s.matches('/data/in/a.csv')).toBe(true);
    expect(s.matches('/data/in/sub/a.csv')).toBe(false);
    expect(s.matches('/data/other/a.csv')).toBe(false);
  });

  it('takes a path ending with / as a folder even before it exists', () => {
    expect(select('/data/later/').matches('/data/later/x')).toBe(true);
  });

  it('takes any other plain path as one file, relative ones from the working folder', () => {
    const s = select('logs/app.log');
    expect(s.base).toBe('/work/logs');
    expect(s.matches('/work/logs/app.log')).toBe(true);
    expect(s.matches('/work/logs/app.log.1')).toBe(false);
  });

  it('matches *, ?, [..] and {a,b} within a name, and ** across folders', () => {
    expect(select('/d/*.csv').matches('/d/x.csv')).toBe(true);
    expect(select('/d/*.csv').matches('/d/x.csv.tmp')).toBe(false);
    expect(select('/d/day?.log').matches('/d/day7.log')).toBe(true);
    expect(select('/d/[ab]*.txt').matches('/d/b1.txt')).toBe(true);
    expect(select('/d/[!ab]*.txt').matches('/d/b1.txt')).toBe(false);
    expect(select('/d/*.{csv,json}').matches('/d/x.json')).toBe(true);
    const deep = select('/d/**/*.csv');
    expect([deep.base, deep.recursive]).toEqual(['/d', true]);
    expect(deep.matches('/d/x.csv')).toBe(true);
    expect(deep.matches('/d/a/b/x.csv')).toBe(true);
    expect(select('/d/*/in/*.csv').matches('/d/site/in/x.csv')).toBe(true);
  });

  it('never matches hidden names', () => {
    expect(select('/d/*').matches('/d/.partial')).toBe(false);
    expect(select('/d/**/*.csv').matches('/d/.git/x.csv')).toBe(false);
  });
});
