/**
 * Namespace files in executions on the agent's engine (SQLite): copied into script tasks' working directories
 * by `namespaceFiles`, written, read and deleted by the namespace.* tasks, and read by expressions' `files`.
 */
import { readFileSync } from 'node:fs';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { expressionFiles } from '../../runtime/engine/expression-files.js';
import { type EngineFixture, engineFixture } from '../support/engine.js';

const NS = 'plant1.etl';
const bytes = (s: string) => new TextEncoder().encode(s);
const text = (b: Uint8Array | undefined) => (b === undefined ? undefined : new TextDecoder().decode(b));

let fx: EngineFixture;
beforeEach(async () => {
  fx = engineFixture();
  await fx.store.namespaceFiles.put(NS, 'scripts/clean.sh', bytes('echo cleaned\n'));
  await fx.store.namespaceFiles.put(NS, 'sql/report.sql', bytes('SELECT 1;\n'));
  await fx.store.namespaceFiles.put(NS, 'notes/readme.md', bytes('# notes\n'));
});
afterEach(() => fx.close());

const flow = (tasks: string) => `id: nsfiles\nnamespace: ${NS}\ntasks:\n${tasks}`;

describe('namespaceFiles on script tasks', () => {
  it('copies the included files, minus the excluded ones, keeping their folders', async () => {
    const r = await fx.run(
      flow(`  - id: list
    type: io.kestra.plugin.scripts.shell.Commands
    namespaceFiles:
      enabled: true
      include: ["scripts/**", "**.sql", "notes/**"]
      exclude: ["notes/**"]
    commands:
      - sh scripts/clean.sh
      - cat sql/report.sql
      - test ! -e notes/readme.md && echo "notes left out"
`),
    );
    expect(r.execution.state).toBe('SUCCESS');
    expect(r.messages('list')).toEqual(['cleaned', 'SELECT 1;', 'notes left out']);
  });

  it('copies nothing when enabled is false', async () => {
    const r = await fx.run(
      flow(`  - id: none
    type: shell
    namespaceFiles: { enabled: false }
    commands: ['test ! -e scripts/clean.sh && echo empty']
`),
    );
    expect(r.messages('none')).toEqual(['empty']);
  });

  it('lets inputFiles win over a namespace file of the same name', async () => {
    const r = await fx.run(
      flow(`  - id: both
    type: shell
    namespaceFiles: {}
    inputFiles: { sql/report.sql: "SELECT 2;" }
    commands: ['cat sql/report.sql']
`),
    );
    expect(r.messages('both')).toEqual(['SELECT 2;']);
  });
});

describe('namespace.* tasks', () => {
  it('uploads a task output file, downloads it as a storage URI, then deletes by glob', async () => {
    const r = await fx.run(
      flow(`  - id: make
    type: shell
    outputFiles: [out.csv]
    commands: ['printf "a,b\\n1,2\\n" > out.csv']
  - id: upload
    type: io.kestra.plugin.core.namespace.UploadFiles
    namespace: "{{ flow.namespace }}"
    destination: /reports
    filesMap:
      latest.csv: "{{ outputs.make.outputFiles['out.csv'] }}"
  - id: download
    type: io.kestra.plugin.core.namespace.DownloadFiles
    namespace: "{{ flow.namespace }}"
    files: ["reports/**"]
  - id: delete
    type: io.kestra.plugin.core.namespace.DeleteFiles
    namespace: "{{ flow.namespace }}"
    files: "**.csv"
`),
    );
    expect(r.execution.state).toBe('SUCCESS');
    const uri = (r.run('download').outputs.files as Record<string, string>)['/reports/latest.csv']!;
    expect(uri).toMatch(/^tern:\/\/\//);
    expect(readFileSync(fx.store.files.localPath(uri), 'utf8')).toBe('a,b\n1,2\n');
    expect(r.run('delete').outputs.files).toEqual(['/reports/latest.csv']);
    expect(fx.store.namespaceFiles.get(NS, 'reports/latest.csv')).toBeUndefined();
    expect(text(fx.store.namespaceFiles.get(NS, 'sql/report.sql'))).toBe('SELECT 1;\n');
  });

  it('fails an upload with conflict ERROR onto an existing file, and leaves the file as it was', async () => {
    const r = await fx.run(
      flow(`  - id: make
    type: shell
    outputFiles: [report.sql]
    commands: ['echo "DROP TABLE x;" > report.sql']
  - id: upload
    type: namespace.upload
    namespace: ${NS}
    destination: sql
    conflict: ERROR
    filesMap: "{{ outputs.make.outputFiles }}"
`),
    );
    expect(r.execution.state).toBe('FAILED');
    expect(r.messages('upload').join('\n')).toContain("already has a file 'sql/report.sql'");
    expect(text(fx.store.namespaceFiles.get(NS, 'sql/report.sql'))).toBe('SELECT 1;\n');
  });
});

describe("expressions' files", () => {
  it('reads namespace files and internal storage (tern:/// and kestra:///), and says when one is missing', async () => {
    const files = expressionFiles(fx.store.files, fx.store.namespaceFiles, NS);
    expect(files.read('/sql/report.sql')).toBe('SELECT 1;\n');
    expect(files.exists('sql/report.sql')).toBe(true);
    expect(files.size('sql/report.sql')).toBe(10);
    expect(files.exists('sql/none.sql')).toBe(false);
    expect(() => files.read('sql/none.sql')).toThrow(`no namespace file 'sql/none.sql' in namespace '${NS}'`);
    const r = await fx.run(
      flow(`  - id: make\n    type: shell\n    outputFiles: [o.txt]\n    commands: ['echo hi > o.txt']\n`),
    );
    const uri = (r.run('make').outputs.outputFiles as Record<string, string>)['o.txt']!;
    expect(files.read(uri)).toBe('hi\n');
    expect(files.read(uri.replace('tern:///', 'kestra:///'))).toBe('hi\n');
    expect(files.size(uri)).toBe(3);
    expect(files.exists(`${uri}.missing`)).toBe(false);
    expect(() => files.size(`${uri}.missing`)).toThrow('in internal storage');
  });
});
