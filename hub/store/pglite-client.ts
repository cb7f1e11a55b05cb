/** Starts the embedded PGlite database with memory settings for a small machine. */
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { PGlite } from '@electric-sql/pglite';

/**
 * PostgreSQL settings that differ from PGlite's. PGlite runs PostgreSQL in one WebAssembly
 * memory that grows and never shrinks, and initdb's defaults size shared buffers for a server
 * (128 MB, all of it touched at start). A hub's working set is far smaller; docs/decisions/hub.md
 * gives the measurements.
 */
export const PGLITE_SETTINGS: Readonly<Record<string, string>> = {
  shared_buffers: '16MB',
  maintenance_work_mem: '16MB',
  temp_buffers: '2MB',
};

function startParams(): string[] {
  return [
    ...PGlite.defaultStartParams,
    ...Object.entries(PGLITE_SETTINGS).flatMap(([k, v]) => ['-c', `${k}=${v}`]),
  ];
}

/**
 * Opens PGlite on `dataDir`. A folder without a database is first initialised by a child process:
 * initdb and the file-system image it unpacks take ~500 MB that the process would keep (freed memory
 * stays with the allocator), so the hub opens the initialised folder afterwards with none of it.
 */
export async function openPgliteClient(dataDir: string): Promise<PGlite> {
  if (!existsSync(join(dataDir, 'PG_VERSION'))) await initialiseInChild(dataDir);
  return PGlite.create({ dataDir, startParams: startParams() });
}

/** PGlite in memory, with the same settings (tests and `tern run`-like uses). */
export function openPgliteInMemory(): Promise<PGlite> {
  return PGlite.create({ startParams: startParams() });
}

async function initialiseInChild(dataDir: string): Promise<void> {
  const entry = createRequire(import.meta.url).resolve('@electric-sql/pglite');
  const script = `require(process.argv[1]).PGlite.create({ dataDir: process.argv[2], startParams: JSON.parse(process.argv[3]) })
  .then((db) => db.close())
  .catch((error) => { process.stderr.write(String(error && error.stack || error)); process.exit(1); });`;
  try {
    await promisify(execFile)(
      process.execPath,
      ['-e', script, entry, dataDir, JSON.stringify(startParams())],
      {
        // A clean child: NODE_OPTIONS of a test runner (loaders) have nothing to do here.
        env: { ...process.env, NODE_OPTIONS: '' },
        maxBuffer: 16 * 1024 * 1024,
      },
    );
  } catch (error) {
    const stderr = (error as { stderr?: string }).stderr?.trim();
    throw new Error(
      `could not initialise the embedded database in ${dataDir}: ${stderr || (error as Error).message}`,
    );
  }
}
