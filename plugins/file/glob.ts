/**
 * What a `file` trigger's `path` covers: a folder (its files), one file, or a
 * glob (`*`, `**`, `?`, `[…]`, `{a,b}`), as a folder to watch and a matcher.
 * Hidden names (a leading dot: editors' and downloaders' temporary files)
 * never match.
 */
import { isAbsolute, resolve, sep } from 'node:path';

/** A compiled `path`. */
export interface FileSelection {
  /** The deepest folder without wildcards: what is watched and scanned. */
  readonly base: string;
  /** Whether files below the base's direct children can match. */
  readonly recursive: boolean;
  /** True for an absolute file path the selection covers. */
  matches(path: string): boolean;
}

const GLOB_CHARS = /[*?[\]{}]/;

/** True when the text has glob wildcards. */
export function isGlob(text: string): boolean {
  return GLOB_CHARS.test(text);
}

/**
 * Compiles `path` (resolved against `cwd`); a path without wildcards is a
 * folder's files when `isDirectory` says so, else that one file.
 *
 * @example selectFiles('/data/in/*.csv', () => false).matches('/data/in/a.csv') // true
 */
export function selectFiles(
  path: string,
  isDirectory: (path: string) => boolean,
  cwd = process.cwd(),
): FileSelection {
  const absolute = (isAbsolute(path) ? path : resolve(cwd, path)).split(sep).join('/');
  if (!isGlob(absolute)) {
    const trimmed = absolute.length > 1 ? absolute.replace(/\/+$/, '') : absolute;
    if (absolute.endsWith('/') || isDirectory(trimmed)) return compile(`${trimmed}/*`);
    return compile(trimmed);
  }
  return compile(absolute);
}

function compile(pattern: string): FileSelection {
  const segments = pattern.split('/');
  const firstWild = segments.findIndex((s) => isGlob(s));
  const baseSegments = firstWild < 0 ? segments.slice(0, -1) : segments.slice(0, firstWild);
  const base = baseSegments.join('/') || '/';
  const rest = segments.slice(baseSegments.length);
  const recursive = rest.length > 1 || rest.some((s) => s.includes('**'));
  const regex = new RegExp(`^${rest.map(segmentSource).join('')}$`);
  const prefix = base === '/' ? '/' : `${base}/`;
  return {
    base,
    recursive,
    matches(path: string): boolean {
      const normal = path.split(sep).join('/');
      if (!normal.startsWith(prefix)) return false;
      const relative = normal.slice(prefix.length);
      if (relative.split('/').some((name) => name.startsWith('.'))) return false;
      return regex.test(`/${relative}`);
    },
  };
}

/** A path segment as a regular expression, with its leading slash (`**` may stand for no segment at all). */
function segmentSource(segment: string): string {
  if (segment === '**') return '(?:/[^/]+)*';
  return `/${wildcards(segment)}`;
}

function wildcards(segment: string): string {
  let out = '';
  let braces = 0;
  for (let i = 0; i < segment.length; i++) {
    const c = segment[i]!;
    if (c === '*') {
      while (segment[i + 1] === '*') i++;
      out += '[^/]*';
    } else if (c === '?') out += '[^/]';
    else if (c === '[') {
      const end = segment.indexOf(']', i + 2);
      if (end < 0) out += '\\[';
      else {
        const body = segment
          .slice(i + 1, end)
          .replace(/^!/, '^')
          .replace(/\\/g, '\\\\');
        out += `[${body}]`;
        i = end;
      }
    } else if (c === '{') {
      braces++;
      out += '(?:';
    } else if (c === '}' && braces > 0) {
      braces--;
      out += ')';
    } else if (c === ',' && braces > 0) out += '|';
    else out += c.replace(/[.+^$()|\\/]/g, '\\$&');
  }
  return out + ')'.repeat(braces);
}
