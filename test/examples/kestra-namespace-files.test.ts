/** examples/kestra/namespace-files.yml through `tern run --json`: upload, use, download and delete namespace files. */
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { tern } from '../support/cli.js';

interface RunJson {
  state: string;
  taskRuns: { taskId: string; state: string; outputs: Record<string, unknown> }[];
}

const dataDir = mkdtempSync(join(tmpdir(), 'tern-example-nsfiles-'));

async function run(): Promise<RunJson> {
  const r = await tern(['run', 'examples/kestra/namespace-files.yml', '--json', '--data-dir', dataDir]);
  if (r.stdout.trim() === '') throw new Error(`no JSON from tern run: ${r.stderr}`);
  return JSON.parse(r.stdout) as RunJson;
}

const outputsOf = (r: RunJson, taskId: string) => r.taskRuns.find((t) => t.taskId === taskId)?.outputs ?? {};

describe('examples/kestra/namespace-files.yml', () => {
  it('runs the uploaded script from the working directory, hands it on, then deletes it', async () => {
    const r = await run();
    expect(r.state).toBe('SUCCESS');
    expect(r.taskRuns.map((t) => [t.taskId, t.state])).toEqual([
      ['write_script', 'SUCCESS'],
      ['upload', 'SUCCESS'],
      ['run_script', 'SUCCESS'],
      ['download', 'SUCCESS'],
      ['cleanup', 'SUCCESS'],
    ]);
    expect(outputsOf(r, 'run_script').vars).toEqual({ greeting: 'hello from the namespace' });
    const files = outputsOf(r, 'download').files as Record<string, string>;
    expect(Object.keys(files)).toEqual(['/scripts/greet.sh']);
    const uri = files['/scripts/greet.sh']!;
    const stored = join(dataDir, 'files', ...uri.slice('tern:///'.length).split('/').map(decodeURIComponent));
    expect(readFileSync(stored, 'utf8')).toBe('echo "hello from the namespace"\n');
    expect(outputsOf(r, 'cleanup').files).toEqual(['/scripts/greet.sh']);
  });

  it('runs again on the same data folder: the delete of the first run left nothing behind', async () => {
    const r = await run();
    expect(r.state).toBe('SUCCESS');
    expect(outputsOf(r, 'cleanup').files).toEqual(['/scripts/greet.sh']);
  });
});
