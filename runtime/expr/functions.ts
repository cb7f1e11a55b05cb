/** Expression functions (`now()`, `secret()`, `kv()`, `range()` …) and what they may reach outside the render. */
import { lookup } from './access.js';
import { CALENDAR_FUNCTIONS } from './calendar-functions.js';
import { CONTEXT_FUNCTIONS } from './context-functions.js';
import { dateOptions } from './date-filters.js';
import { fail } from './errors.js';
import { parseJson } from './json.js';
import { decrypt, encrypt } from './lib/crypto.js';
import { now } from './lib/dates.js';
import { ksuid, NANO_ID, nanoId, randomPort, uuidV7 } from './lib/ids.js';
import { fromIon } from './lib/ion.js';
import { fromYaml } from './lib/yaml.js';
import { type Call, type FunctionDef, fn } from './library.js';
import { compareNumbers, isDouble, isNumber, type JavaNumber, toJsNumber } from './numbers.js';
import { range } from './operators.js';
import { describe, isPlainObject, toText } from './values.js';

/** What expressions may reach outside the render context: secrets, the KV store, files. */
export interface ExpressionFunctions {
  /** secret('NAME') */
  secret(name: string): string | undefined;
  /** kv('key') — and kv('key', 'namespace') */
  kv(key: string, namespace?: string): unknown;
  /** Namespace files and internal-storage files (`read()`, `fileExists()` …); absent where there are none. */
  files?: {
    /** The file's text; `path` is a namespace file path or a kestra:/// or tern:/// URI. Throws if missing. */
    read(path: string): string;
    exists(path: string): boolean;
    /** Size in bytes. Throws if missing. */
    size(path: string): number;
  };
  /** `errorLogs()`: the ERROR log lines of the execution being rendered for; absent outside an execution. */
  errorLogs?(): unknown[];
  /**
   * `iterationOutputs()`: the outputs of `taskId`'s run in iteration `iteration` of the loop whose
   * enclosing iterations have the values `outer` (outermost first); undefined when it has not ended.
   */
  iterationOutputs?(
    taskId: string,
    outer: readonly unknown[],
    iteration: number,
  ): Record<string, unknown> | undefined;
}

function name(value: unknown, what: string): string {
  if (typeof value !== 'string' || value === '') return fail(`${what} needs a name`);
  return value;
}

function jsonArg(text: unknown): unknown {
  // Kestra: no argument is an error, a null argument gives null.
  if (text === undefined) return fail("fromJson needs its argument 'json'");
  if (text === null) return null;
  if (typeof text !== 'string') return fail(`fromJson needs a string, got ${describe(text)}`);
  try {
    return parseJson(text);
  } catch (err) {
    return fail(`fromJson: invalid JSON (${(err as Error).message})`);
  }
}

/** Pebble's `max`/`min`: numbers compared by value, the winner returned as it was. */
function extreme(args: unknown[], what: string, sign: 1 | -1): unknown {
  const list = args.length === 1 && Array.isArray(args[0]) ? args[0] : args;
  if (list.length === 0 || !list.every(isNumber)) return fail(`${what} needs numbers`);
  return (list as JavaNumber[]).reduce((best, x) => (compareNumbers(x, best) * sign > 0 ? x : best));
}

/** The files of the render, or an error naming the function that needs them. */
function files(call: Call, what: string): NonNullable<ExpressionFunctions['files']> {
  return (
    call.rt.fns?.files ??
    fail(`${what}() is not available here: no namespace files or storage are configured`)
  );
}

const pathArg = (value: unknown, what: string): string =>
  typeof value === 'string' && value !== '' ? value : fail(`${what}() needs a file path or URI`);

/**
 * Kestra's `nanoId(length, alphabet)`: a length that is not an integer, or an alphabet that is not text, is
 * ignored for the default; a length over 1000 is an error.
 */
function nanoIdCall([length, alphabet]: unknown[]): string {
  let size: number = NANO_ID.length;
  if (isNumber(length) && !isDouble(length)) {
    size = toJsNumber(length);
    if (size > NANO_ID.maxLength)
      return fail(`The 'nanoId()' function field 'length' must be lower than: ${NANO_ID.maxLength}`);
    if (size < 0) return fail(`The 'nanoId()' function field 'length' cannot be negative, got ${size}`);
  }
  const chars = typeof alphabet === 'string' ? alphabet : NANO_ID.alphabet;
  if (chars === '') return fail("The 'nanoId()' function field 'alphabet' cannot be empty");
  return nanoId(size, chars);
}

/** The functions expressions may call, by name. Nothing else is callable. */
/** Kestra's `loopOutputs(outputs, name)`: output `name` of each iteration of a Loop's `outputs` list, null where one has none. */
function loopOutputs(outputs: unknown, name: unknown): unknown {
  if (outputs === undefined || outputs === null)
    return fail("The 'loopOutputs' function expects a non-null argument 'outputs'.");
  if (!Array.isArray(outputs)) return fail("The 'loopOutputs' function expects 'outputs' to be a list.");
  if (name === undefined || name === null)
    return fail("The 'loopOutputs' function expects a non-null argument 'name'.");
  if (typeof name !== 'string') return fail("The 'loopOutputs' function expects 'name' to be a string.");
  return outputs.map((iteration) => {
    const values = isPlainObject(iteration) ? iteration.outputs : undefined;
    return isPlainObject(values) && Object.hasOwn(values, name) ? (values[name] ?? null) : null;
  });
}

export const FUNCTIONS: ReadonlyMap<string, FunctionDef> = new Map<string, FunctionDef>([
  [
    'now',
    fn(['format', 'timeZone', 'locale'], (args) =>
      now(dateOptions(args, 0, ['format', 'timeZone', 'locale'])),
    ),
  ],
  ['yaml', fn(['yaml'], ([text]) => fromYaml(text))],
  ['fromIon', fn(['ion', 'allRows'], ([text, allRows]) => fromIon(text, allRows === true))],
  ['encrypt', fn(['key', 'plaintext'], ([key, plaintext]) => encrypt(key, plaintext))],
  ['decrypt', fn(['key', 'encrypted'], ([key, encrypted]) => decrypt(key, encrypted))],
  [
    'secret',
    fn(['key'], ([key], { rt }) => {
      const secretName = name(key, 'secret()');
      if (!rt.fns) return fail(`secret '${secretName}' is not available: no secret source is configured`);
      const value = rt.fns.secret(secretName);
      if (value === undefined) return fail(`secret '${secretName}' is not defined`);
      rt.secrets.push(value);
      return value;
    }),
  ],
  [
    'kv',
    fn(['key', 'namespace', 'errorOnMissing'], ([key, ns, errorOnMissing], { rt }) => {
      const keyName = name(key, 'kv()');
      if (!rt.fns) return fail(`kv key '${keyName}' is not available: no KV store is configured`);
      const value = rt.fns.kv(keyName, ns === undefined || ns === null ? undefined : toText(ns));
      if (value !== undefined) return value;
      if (errorOnMissing === false) return null;
      return fail(`kv key '${keyName}' does not exist${ns ? ` in namespace '${toText(ns)}'` : ''}`);
    }),
  ],
  ['fromJson', fn(['json'], ([text]) => jsonArg(text))],
  ['json', fn(['json'], ([text]) => jsonArg(text))],
  ['uuid', fn([], () => uuidV7())],
  ['ksuid', fn([], () => ksuid())],
  ['nanoId', fn(['length', 'alphabet'], nanoIdCall)],
  ['randomPort', fn([], () => randomPort())],
  ['range', fn(['start', 'end', 'step'], ([start, end, step]) => range(start, end, step ?? 1))],
  [
    'http',
    // Kestra's arguments, so that a Kestra flow that calls it fails with this message, not an unknown name.
    fn(['uri', 'method', 'query', 'body', 'contentType', 'headers', 'options', 'accept'], () =>
      fail(
        'http() is not available in Tern: an expression renders synchronously and a request would hold up the whole process; ' +
          'make the request with an io.kestra.plugin.core.http.Request task and read its outputs (code, headers, body)',
      ),
    ),
  ],
  [
    'subflow',
    // Kestra renders it only in execute forms on its web server, blocking there until the child ends.
    fn(['namespace', 'id', 'inputs', 'revision', 'labels', 'timeout'], () =>
      fail(
        'subflow() is not available in Tern: an expression renders synchronously and cannot wait for another execution; ' +
          'run the flow with an io.kestra.plugin.core.flow.Subflow task and read its outputs',
      ),
    ),
  ],
  ['loopOutputs', fn(['outputs', 'name'], ([outputs, name]) => loopOutputs(outputs, name))],
  ['max', { params: [], variadic: true, run: (args) => extreme(args, 'max()', 1) }],
  ['min', { params: [], variadic: true, run: (args) => extreme(args, 'min()', -1) }],
  [
    'render',
    fn(['toRender', 'recursive'], ([source], { rt, frame }) =>
      typeof source === 'string' ? rt.render(source, frame) : source,
    ),
  ],
  [
    'renderOnce',
    fn(['toRender'], ([source], { rt, frame }) =>
      typeof source === 'string' ? rt.render(source, frame) : source,
    ),
  ],
  ['read', fn(['path'], ([path], call) => files(call, 'read').read(pathArg(path, 'read')))],
  [
    'fileExists',
    fn(['path'], ([path], call) => files(call, 'fileExists').exists(pathArg(path, 'fileExists'))),
  ],
  ['fileSize', fn(['path'], ([path], call) => files(call, 'fileSize').size(pathArg(path, 'fileSize')))],
  [
    'fileURI',
    fn(['path'], ([path], call) => {
      const file = pathArg(path, 'fileURI');
      if (/^(kestra|tern):\/\//.test(file)) return file;
      if (!files(call, 'fileURI').exists(file)) return fail(`fileURI(): no namespace file '${file}'`);
      const flow = lookup(call.frame, 'flow');
      const namespace = isPlainObject(flow) ? toText(flow.namespace) : '';
      return `tern:///${namespace.replaceAll('.', '/')}/_files/${file.replace(/^\//, '')}`;
    }),
  ],
  ...CONTEXT_FUNCTIONS,
  ...CALENDAR_FUNCTIONS,
  [
    'isFileEmpty',
    fn(['path'], ([path], call) => files(call, 'isFileEmpty').size(pathArg(path, 'isFileEmpty')) === 0),
  ],
]);
