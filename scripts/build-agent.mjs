#!/usr/bin/env node
import { execFileSync } from 'node:child_process';
// Builds the agent for devices: dist/tern-agent/tern-agent.mjs and its worker modules, one file each, plus
// better-sqlite3's native module beside them — all a device needs besides Node.js (docs/device-install.md).
// `--outdir DIR` writes elsewhere (tests build their own copy). `--version V` names the build (what the
// agent reports to the hub; default the package's version) and writes DIR-V.tar.gz beside the folder: the
// archive `tern agents versions upload` sends to the hub for agent updates (docs/rollouts.md).
import { copyFileSync, mkdirSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const outdirFlag = process.argv.indexOf('--outdir');
const out = outdirFlag > 0 ? resolve(process.argv[outdirFlag + 1]) : join(root, 'dist', 'tern-agent');
const versionFlag = process.argv.indexOf('--version');
const version = versionFlag > 0 ? process.argv[versionFlag + 1] : undefined;
const SOURCES = ['protocol', 'plugins', 'runtime', 'agent', 'cli'];

// Worker threads start from a module file of their own: `new URL('./x-worker.js', import.meta.url)`.
// Each such file becomes an entry point beside the bundle, named .mjs so that Node runs it as a module
// with no package.json around it.
const WORKER_URL = /new URL\('\.\/([\w-]+)\.js', import\.meta\.url\)/g;

function sourceFiles(dir) {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) return sourceFiles(path);
    return name.endsWith('.ts') && !name.endsWith('.test.ts') ? [path] : [];
  });
}

function workerEntries() {
  const entries = {};
  for (const file of SOURCES.flatMap((dir) => sourceFiles(join(root, dir)))) {
    for (const [, name] of readFileSync(file, 'utf8').matchAll(WORKER_URL)) {
      entries[name] = join(dirname(file), `${name}.ts`);
    }
  }
  return entries;
}

/**
 * What the sources leave to Node at run time, made visible to the bundler:
 * - modules that load packages lazily name their loader `require` (`createRequire(import.meta.url)`) and
 *   call it with literal ids; without that declaration, esbuild bundles those calls as lazily evaluated modules;
 * - worker URLs point at the .mjs entries;
 * - optional native add-ons of dependencies are left out (they have JavaScript fallbacks);
 * - `bindings` (how better-sqlite3 finds its addon) loads `better_sqlite3.node` from beside the bundle.
 */
const devicePlugin = {
  name: 'tern-device',
  setup(b) {
    b.onLoad({ filter: /\.ts$/ }, (args) => {
      const text = readFileSync(args.path, 'utf8')
        .replace(/^const require = createRequire\(import\.meta\.url\);$/m, '')
        .replace(WORKER_URL, "new URL('./$1.mjs', import.meta.url)");
      return { contents: text, loader: 'ts' };
    });
    // Optional native speed-ups of dependencies (ssh2's crypto, cpu-features, under dockerode) are loaded
    // in a try/catch with a JavaScript fallback: in the bundle they are absent, and say so when asked for.
    b.onResolve({ filter: /\.node$/ }, (args) => ({ path: args.path, namespace: 'tern-absent' }));
    b.onLoad({ filter: /.*/, namespace: 'tern-absent' }, (args) => ({
      contents: `throw new Error(${JSON.stringify(`${args.path}: optional native module, not in the agent bundle`)});`,
      loader: 'js',
    }));
    b.onResolve({ filter: /^bindings$/ }, () => ({ path: 'bindings', namespace: 'tern-native' }));
    b.onLoad({ filter: /.*/, namespace: 'tern-native' }, () => ({
      // Through the banner's own name: a `require` with a computed path would be expanded by the bundler.
      contents: "module.exports = (name) => __ternNativeRequire('./' + name);",
      loader: 'js',
    }));
  },
};

rmSync(out, { recursive: true, force: true });
mkdirSync(out, { recursive: true });
const result = await build({
  absWorkingDir: root,
  entryPoints: { 'tern-agent': join(root, 'cli', 'agent-main.ts'), ...workerEntries() },
  outdir: out,
  outExtension: { '.js': '.mjs' },
  bundle: true,
  platform: 'node',
  format: 'esm',
  target: 'node20',
  // Identifiers keep their names: jq's wrapper finds Emscripten's imports by function name, and stack
  // traces stay readable.
  minifyWhitespace: true,
  minifySyntax: true,
  legalComments: 'linked',
  metafile: true,
  logLevel: 'warning',
  // A real `require` for the bundle's CommonJS parts and for the native module (resolved beside the file),
  // and the file's own name and folder for CommonJS code that asks (jq-wasm's Emscripten script does).
  banner: {
    js: [
      "import { createRequire as __ternRequire } from 'node:module';",
      "import { fileURLToPath as __ternPath } from 'node:url';",
      'const require = __ternRequire(import.meta.url), __ternNativeRequire = require;',
      "const __ternFilename = __ternPath(import.meta.url), __ternDirname = __ternPath(new URL('.', import.meta.url));",
    ].join(' '),
  },
  define: {
    __filename: '__ternFilename',
    __dirname: '__ternDirname',
    ...(version !== undefined && { __TERN_BUILD_VERSION__: JSON.stringify(version) }),
  },
  plugins: [devicePlugin],
});

const addon = join(
  dirname(createRequire(import.meta.url).resolve('better-sqlite3/package.json')),
  'build',
  'Release',
);
copyFileSync(join(addon, 'better_sqlite3.node'), join(out, 'better_sqlite3.node'));

for (const [file, { bytes }] of Object.entries(result.metafile.outputs)) {
  process.stdout.write(
    `${relative(process.cwd(), resolve(root, file))}  ${(bytes / 1024 / 1024).toFixed(2)} MB\n`,
  );
}

if (version !== undefined) {
  // The files at the archive's top level, as the agent unpacks them into versions/<version>/.
  const archive = `${out}-${version}.tar.gz`;
  execFileSync('tar', ['-czf', archive, '-C', out, '.']);
  process.stdout.write(
    `${relative(process.cwd(), archive)}  ${(statSync(archive).size / 1024 / 1024).toFixed(2)} MB\n`,
  );
}
