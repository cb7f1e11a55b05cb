/** Multipart inputs: text fields as they are, file fields written to a private temporary directory. */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import type { FormFields } from './body.js';

/** Inputs read from a form, and how to remove the files they name when no execution will read them. */
export interface FormInputs {
  inputs: Record<string, unknown>;
  /** The paths of the files written for this request: the only paths a FILE input may hold. */
  uploaded: ReadonlySet<string>;
  discard(): Promise<void>;
}

/** A stored name that cannot climb out of the directory or hide as a dot-file. */
const safeName = (name: string): string =>
  basename(name)
    .replace(/[^\w.-]/g, '_')
    .replace(/^\.+/, '') || 'upload';

/**
 * Turns form fields into execution inputs. Each file becomes a path string
 * (what a FILE input holds), in one fresh directory per request; a field
 * given several times becomes a list.
 *
 * @example const { inputs, discard } = await formInputs(fields); // inputs.report === '/tmp/tern-upload-x/0-report.csv'
 */
export async function formInputs(fields: FormFields): Promise<FormInputs> {
  let dir: string | undefined;
  let count = 0;
  const uploaded = new Set<string>();
  const store = async (value: string | File): Promise<string> => {
    if (typeof value === 'string') return value;
    dir ??= await mkdtemp(join(tmpdir(), 'tern-upload-'));
    const path = join(dir, `${count++}-${safeName(value.name)}`);
    await writeFile(path, new Uint8Array(await value.arrayBuffer()), { mode: 0o600 });
    uploaded.add(path);
    return path;
  };
  const inputs: Record<string, unknown> = {};
  const discard = async () => {
    if (dir) await rm(dir, { recursive: true, force: true });
  };
  try {
    for (const [name, value] of Object.entries(fields)) {
      inputs[name] = Array.isArray(value) ? await Promise.all(value.map(store)) : await store(value);
    }
  } catch (err) {
    await discard();
    throw err;
  }
  return { inputs, uploaded, discard };
}
