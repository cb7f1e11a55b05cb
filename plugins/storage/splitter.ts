/**
 * Cuts a file into parts by rows, bytes, a number of partitions or a regex
 * capture group, as Kestra's storage.Split and ForEachItem batches do.
 */
import { appendFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { TaskError } from '../../protocol/errors.js';
import { readLines } from './stored-files.js';

/** How to cut: exactly one of `rows`, `bytes`, `partitions` or `regexPattern`. */
export interface SplitOptions {
  rows?: number;
  /** A byte count, or text such as `10MB` (KB, MB, GB: powers of 1024). */
  bytes?: number | string;
  partitions?: number;
  regexPattern?: string;
  /** What ends a line, in the file read and in the parts written. Default `\n`. */
  separator?: string;
}

/** Buffered text of one part, appended to its file a block at a time. */
class Part {
  private pending = '';
  size = 0;
  lines = 0;
  constructor(readonly path: string) {}

  async add(text: string): Promise<void> {
    this.pending += text;
    this.size += Buffer.byteLength(text);
    this.lines++;
    if (this.pending.length >= 64 * 1024) await this.flush();
  }

  async flush(): Promise<void> {
    if (this.pending === '') return;
    await appendFile(this.path, this.pending);
    this.pending = '';
  }
}

/**
 * Splits the file at `source` into files in `dir` named `<prefix><n><extension>`
 * and returns their paths in order; parts left empty are not written.
 */
export async function splitFile(
  source: string,
  dir: string,
  options: SplitOptions,
  naming: { prefix: string; extension: string },
): Promise<string[]> {
  const separator = options.separator ?? '\n';
  const chosen = (['rows', 'bytes', 'partitions', 'regexPattern'] as const).filter(
    (k) => options[k] !== undefined,
  );
  if (chosen.length !== 1) {
    throw new TaskError(
      `give exactly one of rows, bytes, partitions and regexPattern${chosen.length ? ` (got ${chosen.join(', ')})` : ''}`,
      false,
    );
  }
  const parts: Part[] = [];
  const newPart = async () => {
    const part = new Part(join(dir, `${naming.prefix}${parts.length}${naming.extension}`));
    await writeFile(part.path, '');
    parts.push(part);
    return part;
  };
  const pick = await picker(options, parts, newPart);
  for await (const line of readLines(source, separator)) {
    const text = line + separator;
    await (await pick(line, Buffer.byteLength(text))).add(text);
  }
  for (const part of parts) await part.flush();
  return parts.filter((p) => p.lines > 0).map((p) => p.path);
}

type Pick = (line: string, bytes: number) => Promise<Part>;

/** The rule that picks the part each line goes to. */
async function picker(options: SplitOptions, parts: Part[], newPart: () => Promise<Part>): Promise<Pick> {
  if (options.rows !== undefined) {
    const rows = positive(options.rows, 'rows');
    return async () => {
      const last = parts.at(-1);
      return last && last.lines < rows ? last : newPart();
    };
  }
  if (options.bytes !== undefined) {
    const limit = byteCount(options.bytes);
    return async (_line, bytes) => {
      const last = parts.at(-1);
      return last && (last.lines === 0 || last.size + bytes <= limit) ? last : newPart();
    };
  }
  if (options.partitions !== undefined) {
    const count = positive(options.partitions, 'partitions');
    for (let i = 0; i < count; i++) await newPart();
    let next = 0;
    return async () => parts[next++ % count]!;
  }
  const pattern = compile(options.regexPattern!);
  const byKey = new Map<string, Part>();
  return async (line) => {
    const match = pattern.exec(line);
    // A line the pattern does not match is kept, in a part of its own: nothing is lost.
    const key = match ? `=${match[1] ?? match[0]}` : 'unmatched';
    let part = byKey.get(key);
    if (!part) {
      part = await newPart();
      byKey.set(key, part);
    }
    return part;
  };
}

function positive(value: number, what: string): number {
  if (!Number.isInteger(value) || value < 1)
    throw new TaskError(`${what}: ${value} is not a positive whole number`, false);
  return value;
}

const UNITS: Record<string, number> = { '': 1, B: 1, KB: 1024, MB: 1024 ** 2, GB: 1024 ** 3 };

/** `10MB` → 10485760; a number is a byte count. */
export function byteCount(value: number | string): number {
  if (typeof value === 'number') return positive(value, 'bytes');
  const match = /^\s*(\d+)\s*([KMG]?B)?\s*$/i.exec(value);
  if (!match) throw new TaskError(`bytes: '${value}' is not a size such as 512KB or 10MB`, false);
  return positive(Number(match[1]) * UNITS[(match[2] ?? '').toUpperCase()]!, 'bytes');
}

function compile(pattern: string): RegExp {
  try {
    return new RegExp(pattern);
  } catch (err) {
    throw new TaskError(`regexPattern: ${(err as Error).message}`, false);
  }
}
