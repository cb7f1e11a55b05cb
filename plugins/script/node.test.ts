/** The `script.node` task run for real with `node`, including the bundled `@kestra-io/libs` module. */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { testContext } from '../../test/support/task-context.js';
import nodeScript from './node.js';

describe('script.node task', () => {
  it('is registered under the Kestra Script and Commands names', () => {
    expect(nodeScript.aliases).toEqual([
      'io.kestra.plugin.scripts.node.Script',
      'io.kestra.plugin.scripts.node.Commands',
    ]);
  });

  it('returns the outputs set with Kestra.outputs', async () => {
    const script =
      "const Kestra = require('@kestra-io/libs');\nKestra.outputs({ total: 1 + 2, ok: true });\n";
    const result = await nodeScript.run({ script }, testContext());
    expect(result?.outputs).toEqual({ exitCode: 0, vars: { total: 3, ok: true } });
  });

  it('logs Kestra.logger() messages at their level', async () => {
    const ctx = testContext();
    const script = [
      "const Kestra = require('@kestra-io/libs');",
      'const log = Kestra.logger();',
      "log.info('fine');",
      "log.warn('hmm');",
      "log.error('bad');",
    ].join('\n');
    await nodeScript.run({ script }, ctx);
    expect(ctx.lines).toEqual([
      { level: 'INFO', message: 'fine' },
      { level: 'WARN', message: 'hmm' },
      { level: 'ERROR', message: 'bad' },
    ]);
  });

  it('lets the script require modules given as input files', async () => {
    const result = await nodeScript.run(
      {
        inputFiles: { 'lib.js': 'exports.triple = (x) => 3 * x;\n' },
        script:
          "const Kestra = require('@kestra-io/libs');\nKestra.outputs({ v: require('./lib').triple(5) });\n",
      },
      testContext(),
    );
    expect(result?.outputs?.vars).toEqual({ v: 15 });
  });

  it('runs commands such as `node main.js` in the Kestra Commands form', async () => {
    const ctx = testContext();
    await nodeScript.run(
      { inputFiles: { 'main.js': "console.log('from main');\n" }, commands: ['node main.js'] },
      ctx,
    );
    expect(ctx.lines).toEqual([{ level: 'INFO', message: 'from main' }]);
  });

  it('runs the script as CommonJS even below a package.json of type module', async () => {
    const project = mkdtempSync(join(tmpdir(), 'tern-esm-project-'));
    writeFileSync(join(project, 'package.json'), '{ "type": "module" }');
    const work = join(project, 'work');
    mkdirSync(work);
    const ctx = testContext({ workingDir: async () => work });
    try {
      const result = await nodeScript.run(
        { script: "require('@kestra-io/libs').outputs({ cjs: typeof module === 'object' });" },
        ctx,
      );
      expect(result?.outputs?.vars).toEqual({ cjs: true });
    } finally {
      rmSync(project, { recursive: true, force: true });
    }
  });

  it('fails with the code the script exits with', async () => {
    await expect(nodeScript.run({ script: 'process.exit(4);' }, testContext())).rejects.toThrow(
      'command exited with code 4',
    );
  });
});
