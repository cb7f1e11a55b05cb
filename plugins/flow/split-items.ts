/** Splits a file of items, one per line, into batch files: by rows, by bytes, or into partitions. */
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { TaskError } from '../../protocol/errors.js';

/** How to split, as Kestra's `batch` property says it; only one of rows, bytes and partitions applies. */
export interface BatchOptions {
  rows?: number;
  /** A size such as `10MB` (1024-based, as Kestra reads it) or a number of bytes. */
  bytes?: string | number;
  partitions?: number;
  /** Written after each item; default a newline. */
  separator?: string;
}

const UNITS: Record<string, number> = { B: 1, KB: 1024, MB: 1024 ** 2, GB: 1024 ** 3, TB: 1024 ** 4 };

/**
 * Reads a size as Kestra's `DataSize` does: a number of bytes, or a number
 * followed by B, KB, MB, GB or TB.
 *
 * @example parseByteSize('10KB') // 10240
 */
export function parseByteSize(size: string | number): number {
  if (typeof size === 'number') return size;
  const match = /^\s*(\d+(?:\.\d+)?)\s*([KMGT]?B)?\s*$/i.exec(size);
  if (!match) throw new TaskError(`batch.bytes: '${size}' is not a size such as 10MB`, false);
  return Math.floor(Number(match[1]) * UNITS[(match[2] ?? 'B').toUpperCase()]!);
}

/**
 * Groups the lines of `text` into batches: `partitions` batches filled in
 * turn (empty ones dropped), or consecutive batches closed once they hold
 * `bytes` bytes or `rows` lines (1 by default).
 */
export function splitLines(text: string, options: BatchOptions): string[][] {
  const lines = text.split(/\r?\n/);
  if (lines.at(-1) === '') lines.pop();
  const separator = options.separator ?? '\n';
  if (options.partitions !== undefined) {
    const count = options.partitions;
    const parts: string[][] = Array.from({ length: count }, () => []);
    for (const [i, line] of lines.entries()) parts[i % count]!.push(line);
    return parts.filter((p) => p.length > 0);
  }
  const maxBytes = options.bytes === undefined ? undefined : parseByteSize(options.bytes);
  const maxRows = options.rows ?? 1;
  const batches: string[][] = [];
  let current: string[] | undefined;
  let bytes = 0;
  for (const line of lines) {
    const full = current && (maxBytes !== undefined ? bytes >= maxBytes : current.length >= maxRows);
    if (!current || full) {
      current = [];
      batches.push(current);
      bytes = 0;
    }
    current.push(line);
    bytes += Buffer.byteLength(line + separator);
  }
  return batches;
}

/** Writes each batch to `dir/<index><extension>`, items followed by `separator`; returns the paths in order. */
export async function writeBatches(
  dir: string,
  batches: readonly string[][],
  extension: string,
  separator = '\n',
): Promise<string[]> {
  await mkdir(dir, { recursive: true });
  const paths: string[] = [];
  for (const [i, batch] of batches.entries()) {
    const path = join(dir, `${i}${extension}`);
    await writeFile(path, batch.map((line) => line + separator).join(''));
    paths.push(path);
  }
  return paths;
}

/** The text of a file to split. */
export const readItems = (path: string): Promise<string> => readFile(path, 'utf8');
