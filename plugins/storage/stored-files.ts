/** What the storage.* tasks share: finding a stored file by its URI, reading it by line or item, storing results. */
import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import { extname } from 'node:path';
import { TaskError } from '../../protocol/errors.js';
import type { TaskContext } from '../../protocol/plugin.js';

/** Kestra's internal storage scheme: its URIs name the same storage as Tern's own. */
const KESTRA_PREFIX = 'kestra:///';
const TERN_PREFIX = 'tern:///';

/**
 * The local path of the stored file `uri` names (`tern:///…` or Kestra's `kestra:///…`);
 * fails the task, naming `property`, when it is not a storage URI or the file is gone.
 */
export async function storedPath(ctx: TaskContext, uri: unknown, property: string): Promise<string> {
  const text = String(uri);
  const own = text.startsWith(KESTRA_PREFIX) ? TERN_PREFIX + text.slice(KESTRA_PREFIX.length) : text;
  if (!ctx.storage.isUri(own)) {
    throw new TaskError(
      `${property}: '${text}' is not a file of the execution storage (${TERN_PREFIX}…)`,
      false,
    );
  }
  const path = ctx.storage.localPath(own);
  const found = await stat(path).catch(() => undefined);
  if (!found?.isFile()) throw new TaskError(`${property}: no stored file at '${text}'`, false);
  return path;
}

/** The extension of a stored file's name (`.csv`), or `fallback` when it has none. */
export function extensionOf(uri: unknown, fallback = '.tmp'): string {
  return extname(String(uri)) || fallback;
}

/** Stores a file of the task's working directory under `name` and returns its URI. */
export function storeResult(ctx: TaskContext, name: string, path: string): Promise<string> {
  return ctx.storage.put(ctx.execution.id, ctx.taskRun.id, name, path);
}

/**
 * The file's text cut at each `separator`, read a chunk at a time; the text
 * after the last separator is a line too when it is not empty.
 */
export async function* readLines(path: string, separator = '\n', encoding: BufferEncoding = 'utf8') {
  let rest = '';
  for await (const chunk of createReadStream(path, { encoding })) {
    rest += chunk as string;
    const parts = rest.split(separator);
    rest = parts.pop() ?? '';
    yield* parts;
  }
  if (rest !== '') yield rest;
}

/** One item of a JSON Lines file: its line as written and its fields, the variables expressions see. */
export interface Item {
  line: string;
  fields: Record<string, unknown>;
}

/** The items of a JSON Lines file (one JSON object per line; blank lines are skipped). */
export async function* readItems(path: string, property: string): AsyncGenerator<Item> {
  let number = 0;
  for await (const line of readLines(path)) {
    number++;
    if (line.trim() === '') continue;
    let fields: unknown;
    try {
      fields = JSON.parse(line);
    } catch (err) {
      throw new TaskError(`${property}: line ${number} is not JSON: ${(err as Error).message}`, false);
    }
    if (typeof fields !== 'object' || fields === null || Array.isArray(fields)) {
      throw new TaskError(`${property}: line ${number} is not a JSON object`, false);
    }
    yield { line, fields: fields as Record<string, unknown> };
  }
}
