/** Input files written into a task's working directory before it runs, and output files collected after. */
import { copyFile, mkdir, writeFile } from 'node:fs/promises';
import { dirname, isAbsolute, join, normalize, sep } from 'node:path';
import { glob } from 'tinyglobby';
import { TaskError } from '../../protocol/errors.js';
import { selectPaths } from '../../protocol/namespace-files.js';
import type { TaskContext } from '../../protocol/plugin.js';

/** Throws unless `name` is a relative path that stays inside the working directory. */
export function assertRelativePath(name: string, what: string): void {
  const clean = normalize(name);
  if (!name || isAbsolute(name) || clean === '..' || clean.startsWith(`..${sep}`)) {
    throw new TaskError(`${what} '${name}' must be a relative path inside the working directory`, false);
  }
}

/**
 * Reads `inputFiles` as Kestra accepts it: a map of file name to content, or
 * a JSON string holding such a map.
 */
export function inputFileMap(
  inputFiles: Record<string, string> | string | undefined,
): Record<string, string> {
  if (inputFiles === undefined) return {};
  if (typeof inputFiles !== 'string') return inputFiles;
  let parsed: unknown;
  try {
    parsed = JSON.parse(inputFiles);
  } catch (err) {
    throw new TaskError(
      `inputFiles: not a JSON map of file name to content (${(err as Error).message})`,
      false,
    );
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
    throw new TaskError('inputFiles: expected a map of file name to content', false);
  }
  return Object.fromEntries(Object.entries(parsed).map(([k, v]) => [k, String(v)]));
}

/**
 * Writes each input file into `dir`, creating sub-folders as needed. A value
 * that is a storage URI (a file produced by an earlier task) is copied from
 * storage instead of being written as text.
 */
export async function writeInputFiles(
  ctx: TaskContext,
  dir: string,
  files: Record<string, string | null | undefined>,
): Promise<void> {
  for (const [name, value] of Object.entries(files)) {
    if (value === null || value === undefined) continue;
    assertRelativePath(name, 'inputFiles:');
    const target = join(dir, name);
    await mkdir(dirname(target), { recursive: true });
    if (ctx.storage.isUri(value)) await copyFile(ctx.storage.localPath(value), target);
    else await writeFile(target, value);
  }
}

/** Kestra's `namespaceFiles` property as the task reads it. */
export interface NamespaceFilesOption {
  enabled?: boolean;
  include?: string[];
  exclude?: string[];
  namespaces?: string[];
  folderPerNamespace?: boolean;
}

/**
 * Copies the selected namespace files into `dir` (keeping their folders) and returns how many. Nothing is
 * copied without `option` or with `enabled: false`.
 */
export async function writeNamespaceFiles(
  ctx: TaskContext,
  dir: string,
  option: NamespaceFilesOption | undefined,
): Promise<number> {
  if (!option || option.enabled === false) return 0;
  let copied = 0;
  for (const namespace of option.namespaces ?? [ctx.execution.namespace]) {
    const paths = ctx.namespaceFiles.list(namespace).map((f) => f.path);
    for (const path of selectPaths(paths, option.include, option.exclude)) {
      const content = ctx.namespaceFiles.get(namespace, path);
      if (content === undefined) continue;
      const relative = option.folderPerNamespace ? join(namespace, path) : path;
      assertRelativePath(relative, 'namespaceFiles:');
      const target = join(dir, relative);
      await mkdir(dirname(target), { recursive: true });
      await writeFile(target, content);
      copied++;
    }
  }
  if (copied === 0) ctx.logger.warn('namespaceFiles: no namespace file matches; nothing copied');
  return copied;
}

/**
 * Stores every file matching one of `patterns` (paths or globs relative to
 * `dir`; dot-files only when named) and returns `{relativePath: uri}`. A
 * pattern that matches nothing is reported with a warning.
 */
export async function collectOutputFiles(
  ctx: TaskContext,
  dir: string,
  patterns: readonly string[],
): Promise<Record<string, string>> {
  const found = new Set<string>();
  for (const pattern of patterns) {
    assertRelativePath(pattern, 'outputFiles:');
    if (pattern.split(/[\\/]/).includes('..')) {
      throw new TaskError(`outputFiles: '${pattern}' must not contain '..'`, false);
    }
    const matches = await glob(pattern, { cwd: dir, onlyFiles: true, expandDirectories: false });
    if (matches.length === 0) ctx.logger.warn(`outputFiles: nothing matches '${pattern}'`);
    for (const match of matches) found.add(match);
  }
  return storeFiles(ctx, dir, [...found].sort());
}

/** Stores every file under `dir` (an output directory), named by its path relative to `dir`. */
export async function collectDirectory(ctx: TaskContext, dir: string): Promise<Record<string, string>> {
  const files = await glob('**/*', { cwd: dir, onlyFiles: true, dot: true });
  return storeFiles(ctx, dir, files.sort());
}

async function storeFiles(
  ctx: TaskContext,
  dir: string,
  names: readonly string[],
): Promise<Record<string, string>> {
  const stored: Record<string, string> = {};
  for (const name of names) {
    stored[name] = await ctx.storage.put(ctx.execution.id, ctx.taskRun.id, name, join(dir, name));
  }
  return stored;
}
