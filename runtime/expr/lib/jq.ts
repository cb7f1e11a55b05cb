/** Kestra's `jq` filter over real jq (jq-wasm's WebAssembly build), run synchronously with its files served from memory. */
import { createRequire } from 'node:module';
import { fromYaml } from './yaml.js';

type WasmFunction = (...args: number[]) => number;

/** The part of the WebAssembly JS API used here (Node's typings leave it out of the global namespace). */
interface WasmMemory {
  readonly buffer: ArrayBuffer;
}
interface WasmInstance {
  readonly exports: Record<string, unknown>;
}
interface WasmApi {
  Module: new (bytes: Uint8Array) => object;
  Instance: new (module: object, imports: object) => WasmInstance;
  Memory: abstract new (...args: never[]) => WasmMemory;
}
const wasmApi = (globalThis as unknown as { WebAssembly: WasmApi }).WebAssembly;

/** What the Emscripten module exposes once its runtime is up. */
interface JqModule {
  callMain(args: string[]): number;
}

interface Runtime {
  module: JqModule;
  /** Bytes jq reads as its input file for the current run. */
  input: Uint8Array;
  inputAt: number;
  inputFd: number;
  stdout: Uint8Array[];
  stderr: Uint8Array[];
  runs: number;
}

const INPUT_PATH = '/dev/stdin';
/**
 * jq's `main` is not made to run many times in one process: jq-wasm 1.0.1 aborts inside jq's compiler
 * after ~300 runs in one instance. A fresh instance (from the module compiled once) every this many runs
 * stays well clear of that, for ~1 ms each.
 */
const RUNS_PER_INSTANCE = 100;
let runtime: Runtime | undefined;
let compiled: { module: object; factory: (options: object) => Promise<unknown> } | undefined;

/**
 * Pebble: `value | jq(expression)` — every result of the jq program over `value`, as a list (Kestra's
 * JqFilter). A string value is read as JSON, as Kestra does; null gives null.
 *
 * @example jq({ a: [1, 2] }, '.a[]') // [1, 2]
 */
export function jq(value: unknown, program: string): unknown[] | null {
  if (value === null || value === undefined) return null;
  if (typeof program !== 'string') throw new Error("jq: the 'expression' argument must be a string");
  const json = typeof value === 'string' ? value : toJson(value);
  const jqRuntime = start();
  jqRuntime.input = new TextEncoder().encode(json);
  jqRuntime.inputAt = 0;
  jqRuntime.stdout = [];
  jqRuntime.stderr = [];
  jqRuntime.runs++;
  let status: number;
  // Emscripten's exit path sets process.exitCode to jq's status: keep the host process's own.
  const exitCode = process.exitCode;
  try {
    status = jqRuntime.module.callMain(['-c', '-M', program, INPUT_PATH]);
  } catch (error) {
    runtime = undefined; // an aborted instance cannot run again
    throw new Error(`jq: cannot apply '${program}' to ${preview(json)}: ${(error as Error).message}`);
  } finally {
    process.exitCode = exitCode;
  }
  if (jqRuntime.runs >= RUNS_PER_INSTANCE) runtime = undefined;
  const out = decode(jqRuntime.stdout);
  const err = decode(jqRuntime.stderr).trim();
  jqRuntime.input = new Uint8Array(0);
  if (status !== 0 || err !== '')
    throw new Error(
      `jq: cannot apply '${program}' to ${preview(json)}: ${err || `jq exited with status ${status}`}`,
    );
  return out
    .split('\n')
    .filter((line) => line !== '')
    .map(readResult);
}

/** One result line; integers too long for a double (jq 1.7 keeps them exact) are read as bigint. */
function readResult(line: string): unknown {
  return /\d{16,}/.test(line) ? fromYaml(line) : JSON.parse(line);
}

/** JSON text of a template value; 64-bit integers (bigint) are written as exact numbers. */
function toJson(value: unknown): string {
  const marker = '\u0000bigint:';
  const text = JSON.stringify(value, (_key, v: unknown) => (typeof v === 'bigint' ? `${marker}${v}` : v));
  return text.replace(/"\\u0000bigint:(-?\d+)"/g, '$1');
}

function decode(chunks: Uint8Array[]): string {
  return Buffer.concat(chunks).toString('utf8');
}

function preview(json: string): string {
  return json.length > 80 ? `${json.slice(0, 77)}...` : json;
}

// Named `require` with literal ids so that the agent's bundler (scripts/build-agent.mjs) bundles what it loads.
const require = createRequire(import.meta.url);

/**
 * Compiles jq once: the wasm bytes come from the base64 data URL embedded in the factory's own source
 * (read back with `toString`, so it works from node_modules and from a bundle alike).
 */
function compile(): NonNullable<typeof compiled> {
  if (compiled) return compiled;
  const factory = require('jq-wasm/dist/build/jq.js') as (options: object) => Promise<unknown>;
  const match = /data:application\/octet-stream;base64,([A-Za-z0-9+/=]+)/.exec(factory.toString());
  if (!match) throw new Error("jq: no embedded WebAssembly module found in jq-wasm's build");
  compiled = { module: new wasmApi.Module(Buffer.from(match[1]!, 'base64')), factory };
  return compiled;
}

/**
 * A running jq instance, started synchronously: Emscripten's `instantiateWasm` hook lets us instantiate
 * with `new WebAssembly.Instance`, and its `postRun` hook hands over the module once the runtime is up.
 */
function start(): Runtime {
  if (runtime) return runtime;
  const { module: wasm, factory } = compile();
  const state: Runtime = {
    module: undefined as unknown as JqModule,
    input: new Uint8Array(0),
    inputAt: 0,
    inputFd: -1,
    stdout: [],
    stderr: [],
    runs: 0,
  };
  let memory: WasmMemory | undefined;
  const heap = () => new DataView(memory!.buffer);
  const ready = factory({
    instantiateWasm(info: { a: Record<string, WasmFunction> }, receive: (instance: WasmInstance) => void) {
      serveFiles(info.a, state, () => memory!, heap);
      const instance = new wasmApi.Instance(wasm, info);
      memory = Object.values(instance.exports).find((e) => e instanceof wasmApi.Memory) as WasmMemory;
      receive(instance);
      return instance.exports;
    },
    postRun: [
      (module: JqModule) => {
        state.module = module;
      },
    ],
  });
  ready.catch(() => undefined); // failures surface below, synchronously
  if (!state.module) throw new Error('jq: the WebAssembly runtime did not start synchronously');
  runtime = state;
  return state;
}

/** Routes jq's input file and its stdout/stderr to `state` by wrapping the module's WASI imports. */
function serveFiles(
  imports: Record<string, WasmFunction>,
  state: Runtime,
  memory: () => WasmMemory,
  heap: () => DataView,
): void {
  const named = (name: string): string => {
    const key = Object.keys(imports).find((k) => imports[k]!.name === name);
    if (!key) throw new Error(`jq: the WebAssembly module has no '${name}' import`);
    return key;
  };
  const openKey = named('___syscall_openat');
  const readKey = named('_fd_read');
  const writeKey = named('_fd_write');
  const open = imports[openKey]!;
  const read = imports[readKey]!;
  const write = imports[writeKey]!;
  imports[openKey] = (dirfd, pathPtr, flags, varargs) => {
    const fd = open(dirfd, pathPtr, flags, varargs);
    if (cString(memory(), pathPtr) === INPUT_PATH) state.inputFd = fd;
    return fd;
  };
  imports[readKey] = (fd, iov, iovcnt, pnum) => {
    if (fd !== state.inputFd) return read(fd, iov, iovcnt, pnum);
    const view = heap();
    const bytes = new Uint8Array(memory().buffer);
    let total = 0;
    for (let i = 0; i < iovcnt; i++) {
      const ptr = view.getUint32(iov + i * 8, true);
      const len = view.getUint32(iov + i * 8 + 4, true);
      const chunk = state.input.subarray(state.inputAt, state.inputAt + len);
      bytes.set(chunk, ptr);
      state.inputAt += chunk.length;
      total += chunk.length;
      if (chunk.length < len) break;
    }
    view.setUint32(pnum, total, true);
    return 0;
  };
  imports[writeKey] = (fd, iov, iovcnt, pnum) => {
    if (fd !== 1 && fd !== 2) return write(fd, iov, iovcnt, pnum);
    const view = heap();
    let total = 0;
    for (let i = 0; i < iovcnt; i++) {
      const ptr = view.getUint32(iov + i * 8, true);
      const len = view.getUint32(iov + i * 8 + 4, true);
      (fd === 1 ? state.stdout : state.stderr).push(new Uint8Array(memory().buffer.slice(ptr, ptr + len)));
      total += len;
    }
    view.setUint32(pnum, total, true);
    return 0;
  };
}

function cString(memory: WasmMemory, ptr: number): string {
  const bytes = new Uint8Array(memory.buffer);
  let end = ptr;
  while (bytes[end] !== 0) end++;
  return Buffer.from(bytes.subarray(ptr, end)).toString('utf8');
}
