/** Reads flow YAML into a validated Flow, reporting every problem with its file, line and column. */
import type { Dirent } from 'node:fs';
import { readdir, readFile, stat } from 'node:fs/promises';
import { extname, join } from 'node:path';
import {
  type Alias,
  type Document,
  isAlias,
  isMap,
  isScalar,
  isSeq,
  LineCounter,
  type Node,
  type Pair,
  parseAllDocuments,
  visit,
} from 'yaml';
import type { Registry } from '../plugins/registry.js';
import { InputValidationError, type Problem } from '../protocol/errors.js';
import { type Flow, INPUT_TYPES, type Input, type PluginDefault, type Task } from '../protocol/flow.js';
import { resolveInputs } from './engine/inputs.js';
import { applyPluginDefaults } from './engine/plugin-defaults.js';
import { aliasTargets, duplicateKeyProblems, expandedSizeProblem, sourceSizeProblem } from './flow-limits.js';
import { flowSchemaValidator } from './flow-schema.js';
import { currentSyntax } from './kestra-syntax.js';

/** A flow together with the text it was read from. */
export interface LoadedFlow {
  flow: Flow;
  source: string;
  file?: string;
}

/** The outcome of reading a flow: `flow` is set only when `problems` is empty. */
export interface LoadResult {
  flow?: Flow;
  problems: Problem[];
  /** True when the source is not readable YAML at all: the problems are syntax errors. */
  malformed?: boolean;
}

/** What {@link loadFlowFile} returns: also the file's text, when it could be read. */
export interface FileLoadResult extends LoadResult {
  file: string;
  source?: string;
}

export interface ParseOptions {
  /** Named in every problem. */
  file?: string;
  /** Returns a syntax error message for a template, or undefined when it parses. */
  checkExpression?: (template: string) => string | undefined;
  /**
   * The flow is being written (hub API, `tern validate`, `tern deploy`): rules
   * tightened after flows were stored apply too (see `PropertyCheckContext`).
   */
  saving?: boolean;
}

type Path = (string | number)[];
type Json = Record<string, unknown>;
type Position = { line: number; column: number };

const isObject = (value: unknown): value is Json =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

const IDENTIFIER = /^[A-Za-z_$][\w$-]*$/;

/**
 * Formats a document path the way problems show it.
 *
 * @example formatPath(['tasks', 2, 'retry', 'maxAttempts']) // 'tasks[2].retry.maxAttempts'
 */
export function formatPath(path: Path): string {
  let out = '';
  for (const segment of path) {
    if (typeof segment === 'number') out += `[${segment}]`;
    else if (IDENTIFIER.test(segment)) out += out ? `.${segment}` : segment;
    else out += `[${JSON.stringify(segment)}]`;
  }
  return out;
}

/** Finds the YAML node behind a document path, through aliases and merge keys. */
class Locator {
  constructor(
    private readonly doc: Document,
    private readonly targets: ReadonlyMap<Alias, Node>,
    private readonly at: (offset: number) => Position,
  ) {}

  /** Position of the node at `path` (or of `key` in the map there); the nearest existing ancestor otherwise. */
  position(path: Path, key?: string): Position | undefined {
    let node: unknown = this.doc.contents;
    let found = node;
    for (const segment of path) {
      node = this.child(node, segment)?.value;
      if (!node) break;
      found = node;
    }
    if (key !== undefined && node) {
      const pair = this.child(node, key);
      if (pair?.key) found = pair.key;
    }
    return this.nodeAt(found);
  }

  private nodeAt(node: unknown): Position | undefined {
    const range = (node as Node | undefined)?.range;
    return range ? this.at(range[0]) : undefined;
  }

  private resolve(node: unknown, depth = 0): unknown {
    return isAlias(node) && depth < 50 ? this.resolve(this.targets.get(node), depth + 1) : node;
  }

  private child(
    parent: unknown,
    segment: string | number,
    depth = 0,
  ): { key?: unknown; value?: unknown } | undefined {
    const node = this.resolve(parent);
    if (isSeq(node)) return typeof segment === 'number' ? { value: node.items[segment] } : undefined;
    if (!isMap(node) || depth > 20) return undefined;
    const name = String(segment);
    const pairs = node.items as Pair[];
    const own = pairs.find((p) => isScalar(p.key) && String(p.key.value) === name);
    if (own) return { key: own.key, value: own.value ?? own.key };
    // YAML merge keys (`<<: *base`): the property lives in a merged map.
    for (const merge of pairs.filter((p) => isScalar(p.key) && typeof p.key.value === 'symbol')) {
      const sources = this.resolve(merge.value);
      for (const source of isSeq(sources) ? sources.items : [sources]) {
        const hit = this.child(source, segment, depth + 1);
        if (hit) return hit;
      }
    }
    return undefined;
  }
}

/** Builds problems located in one document. */
class ProblemList {
  readonly items: Problem[] = [];
  constructor(
    private readonly locator: Locator,
    private readonly file: string | undefined,
  ) {}

  add(path: Path, message: string, key?: string): void {
    this.items.push(located(formatPath(path), message, this.file, this.locator.position(path, key)));
  }

  line(path: Path): number | undefined {
    return this.locator.position(path)?.line;
  }
}

function located(path: string, message: string, file?: string, at?: Position): Problem {
  return {
    path,
    message,
    ...(file !== undefined && { file }),
    ...(at && { line: at.line, column: at.column }),
  };
}

/**
 * Parses and validates one flow document. Never throws: whatever is wrong
 * comes back as problems, all at once, each with its line and column.
 *
 * @example
 * const { flow, problems } = parseFlow(source, registry, { file: 'hello.yml' });
 * if (!flow) console.error(problems.map(formatProblem).join('\n'));
 */
export function parseFlow(source: string, registry: Registry, options: ParseOptions = {}): LoadResult {
  try {
    const result = sortProblems(collectProblems(source, registry, options));
    if (result.flow && result.list.length === 0) return { flow: result.flow, problems: [] };
    return { problems: result.list, ...(result.malformed && { malformed: true }) };
  } catch (err) {
    return { problems: [located('', `cannot read the flow: ${(err as Error).message}`, options.file)] };
  }
}

/** YAML documents as read from a flow's source, with every syntax problem located. */
interface FlowDocuments {
  docs: Document[];
  /** Where an offset of the source is. */
  at(offset: number): Position;
  /** Syntax problems and duplicate keys. */
  syntax: Problem[];
}

/**
 * Reads the YAML documents of a flow's source. Duplicate keys are found here rather than by the
 * `yaml` library, which takes time in the square of a map's size to find them.
 */
function readFlowDocuments(source: string, file?: string): FlowDocuments {
  const lines = new LineCounter();
  const parsed = parseAllDocuments(source, {
    lineCounter: lines,
    prettyErrors: false,
    merge: true,
    uniqueKeys: false,
  });
  const docs = Array.isArray(parsed) ? parsed : [];
  const at = (offset: number): Position => {
    const { line, col } = lines.linePos(offset);
    return { line, column: col };
  };
  const syntax = docs
    .flatMap((doc) => [
      ...doc.errors.map((e) => ({ message: e.message, at: e.pos[0] })),
      ...duplicateKeyProblems(doc),
    ])
    .map((p) => located('', p.message, file, at(p.at)));
  return { docs, at, syntax };
}

/** Line and column (1-based) of an offset, counted in the text itself. */
function positionIn(text: string, offset: number): Position {
  let line = 1;
  let start = 0;
  for (let i = text.indexOf('\n'); i !== -1 && i < offset; i = text.indexOf('\n', i + 1)) {
    line++;
    start = i + 1;
  }
  return { line, column: offset - start + 1 };
}

type Collected = { flow?: Flow; list: Problem[]; malformed?: boolean };

function collectProblems(source: string, registry: Registry, options: ParseOptions): Collected {
  // A source over the size limit is not read at all.
  const tooLong = sourceSizeProblem(source);
  if (tooLong) return { list: [located('', tooLong.message, options.file, positionIn(source, tooLong.at))] };
  const { docs: list, at, syntax } = readFlowDocuments(source, options.file);
  if (syntax.length > 0) return { list: syntax, malformed: true };
  const filled = list.filter(
    (doc) => !(doc.contents === null || (isScalar(doc.contents) && doc.contents.value === null)),
  );
  const [doc, second] = filled;
  if (!doc) {
    return {
      list: [located('', 'the document is empty: a flow needs id, namespace and tasks', options.file, at(0))],
    };
  }
  if (second) {
    const start = at(second.contents?.range?.[0] ?? 0);
    return {
      list: [located('', 'one flow per file: a second YAML document starts here', options.file, start)],
    };
  }
  const targets = aliasTargets(doc);
  const aliases = aliasProblems(doc, targets).map((a) => located('', a.message, options.file, at(a.at)));
  if (aliases.length > 0) return { list: aliases };
  const tooLarge = expandedSizeProblem(doc, targets);
  if (tooLarge) return { list: [located('', tooLarge.message, options.file, at(tooLarge.at))] };
  const read: unknown = doc.toJS({ maxAliasCount: 1000 });
  const value = isObject(read) ? currentSyntax(read) : read;
  const problems = new ProblemList(new Locator(doc, targets, at), options.file);
  const effective = isObject(value) ? withPluginDefaults(value, registry) : value;
  for (const issue of flowSchemaValidator(registry).check(effective)) {
    const where = issue.key === undefined ? issue.path : [...issue.path, issue.key];
    if (has(value, where)) problems.add(issue.path, issue.message, issue.key);
    // Defaults by prefix may carry properties some matching types lack: only the task's own keys count.
    else if (issue.key === undefined)
      problems.add(issue.path, `${issue.message} (value from pluginDefaults)`);
  }
  if (isObject(value)) {
    checkTaskIds(value, registry, problems);
    checkTasks(value, registry, problems);
    checkSelfSubflow(value, registry, problems);
    checkUniqueIds(value.inputs, 'inputs', 'input', problems);
    checkUniqueIds(value.triggers, 'triggers', 'trigger', problems);
    checkTriggers(value.triggers, registry, problems, options.saving === true);
    checkUniqueIds(value.outputs, 'outputs', 'output', problems);
    checkInputs(value.inputs, problems);
    if (options.checkExpression) checkExpressions(value, options.checkExpression, problems);
  }
  return { flow: value as Flow, list: problems.items };
}

/** Aliases that name no anchor, or that would make the flow contain itself. */
function aliasProblems(doc: Document, targets: ReadonlyMap<Alias, Node>): { message: string; at: number }[] {
  const found: { message: string; at: number }[] = [];
  visit(doc, {
    Alias(_key, alias, ancestors) {
      const target = targets.get(alias);
      const at = alias.range?.[0] ?? 0;
      if (!target)
        found.push({ message: `alias *${alias.source} refers to no anchor defined before it`, at });
      else if (ancestors.includes(target))
        found.push({ message: `alias *${alias.source} refers to a node that contains it`, at });
    },
  });
  return found;
}

function sortProblems(result: Collected): Collected {
  const seen = new Set<string>();
  const unique = result.list.filter((p) => {
    const key = `${p.line}:${p.column}:${p.path}:${p.message}`;
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
  const order = (p: Problem) => [p.line ?? Number.MAX_SAFE_INTEGER, p.column ?? 0] as const;
  unique.sort((a, b) => order(a)[0] - order(b)[0] || order(a)[1] - order(b)[1]);
  return { ...result, list: unique };
}

const TASK_LISTS = ['tasks', 'errors', 'finally', 'afterExecution'];

/**
 * Rebuilds the flow with every task (top-level lists, and nested in
 * flowables' `children`) replaced by `replace(task, path)`. Children are
 * found in the original task, so a replacement cannot add or hide any.
 */
function mapTasks(flow: Json, registry: Registry, replace: (task: Json, path: Path) => Json): Json {
  const task = (original: Json, path: Path): Json => {
    const result = { ...replace(original, path) };
    const def = typeof original.type === 'string' ? registry.task(original.type) : undefined;
    // Every flowable takes `errors` and `finally` (see the flow schema), whether or not its plugin names them.
    const children = def?.children.length ? new Set([...def.children, 'errors', 'finally']) : [];
    for (const child of children) {
      // `cases.<key>` style entries name the property holding the lists.
      const name = child.split('.')[0] ?? child;
      if (name in original) result[name] = nested(original[name], [...path, name]);
    }
    return result;
  };
  // A `dag` lists its tasks wrapped: `{task: {…}, dependsOn: […]}`.
  const entry = (item: Json, path: Path): Json =>
    typeof item.type !== 'string' && isObject(item.task)
      ? { ...item, task: task(item.task, [...path, 'task']) }
      : task(item, path);
  const list = (value: unknown, path: Path): unknown =>
    Array.isArray(value)
      ? value.map((item, i) => (isObject(item) ? entry(item, [...path, i]) : item))
      : value;
  const single = (value: unknown, path: Path): unknown =>
    Array.isArray(value)
      ? list(value, path)
      : isObject(value) && typeof value.type === 'string'
        ? task(value, path)
        : value;
  // A child property holds a task list, a single task, or a map of either (`cases`).
  const nested = (value: unknown, path: Path): unknown => {
    if (!isObject(value) || typeof value.type === 'string') return single(value, path);
    return Object.fromEntries(
      Object.entries(value).map(([key, entry]) => [key, single(entry, [...path, key])]),
    );
  };
  const out = { ...flow };
  for (const key of TASK_LISTS) if (key in flow) out[key] = list(flow[key], [key]);
  // Kestra's older `listeners`: each holds its own task list.
  if (Array.isArray(flow.listeners))
    out.listeners = flow.listeners.map((l, i) =>
      isObject(l) && 'tasks' in l ? { ...l, tasks: list(l.tasks, ['listeners', i, 'tasks']) } : l,
    );
  return out;
}

/** Every task of the flow with its path, nested ones and errors/finally included. */
function collectTasks(flow: Json, registry: Registry): { task: Json; path: Path }[] {
  const out: { task: Json; path: Path }[] = [];
  mapTasks(flow, registry, (task, path) => {
    out.push({ task, path });
    return task;
  });
  return out;
}

/** The flow as the engine runs it: each task with its `pluginDefaults` merged in, so required values may come from them. */
function withPluginDefaults(flow: Json, registry: Registry): Json {
  const defaults = (Array.isArray(flow.pluginDefaults) ? flow.pluginDefaults : []).filter(
    (d): d is PluginDefault => isObject(d) && typeof d.type === 'string' && isObject(d.values),
  );
  if (defaults.length === 0) return flow;
  return mapTasks(flow, registry, (task) =>
    typeof task.type === 'string'
      ? applyPluginDefaults(task as Task, registry.task(task.type), defaults)
      : task,
  );
}

/** True when `path` names a value present in `document`. */
function has(document: unknown, path: Path): boolean {
  let node = document;
  for (const segment of path) {
    if (!(isObject(node) || Array.isArray(node)) || !Object.hasOwn(node, segment)) return false;
    node = (node as Record<string | number, unknown>)[segment];
  }
  return true;
}

function firstUse(problems: ProblemList, path: Path): string {
  const line = problems.line(path);
  return line === undefined ? formatPath(path) : `${formatPath(path)}, line ${line}`;
}

/** Task ids are unique across the whole flow, nested tasks and errors/finally included. */
function checkTaskIds(flow: Json, registry: Registry, problems: ProblemList): void {
  const first = new Map<string, Path>();
  for (const { task, path } of collectTasks(flow, registry)) {
    if (typeof task.id !== 'string') continue;
    const earlier = first.get(task.id);
    if (!earlier) first.set(task.id, [...path, 'id']);
    else
      problems.add(
        [...path, 'id'],
        `duplicate task id '${task.id}' (first used at ${firstUse(problems, earlier)})`,
      );
  }
}

/** Each task's own checks beyond its schema (a `dag`'s unknown or cyclic dependencies). */
function checkTasks(flow: Json, registry: Registry, problems: ProblemList): void {
  for (const { task, path } of collectTasks(flow, registry)) {
    const def = typeof task.type === 'string' ? registry.task(task.type) : undefined;
    if (!def?.check) continue;
    let found: { path: string; message: string }[];
    try {
      found = def.check(task);
    } catch {
      // The schema has already reported what makes the properties unreadable.
      continue;
    }
    for (const p of found) problems.add([...path, ...splitPath(p.path)], p.message);
  }
}

/** A dotted property path (`tasks.2.dependsOn`) as path segments, list indexes as numbers. */
const splitPath = (dotted: string): Path =>
  dotted === '' ? [] : dotted.split('.').map((s) => (/^\d+$/.test(s) ? Number(s) : s));

function checkUniqueIds(list: unknown, key: string, what: string, problems: ProblemList): void {
  if (!Array.isArray(list)) return;
  const first = new Map<string, Path>();
  list.forEach((item, i) => {
    if (!isObject(item) || typeof item.id !== 'string') return;
    const earlier = first.get(item.id);
    if (!earlier) first.set(item.id, [key, i, 'id']);
    else
      problems.add(
        [key, i, 'id'],
        `duplicate ${what} id '${item.id}' (first declared at ${firstUse(problems, earlier)})`,
      );
  });
}

/** Each trigger's own checks beyond its schema (a cron expression, a time zone). */
function checkTriggers(list: unknown, registry: Registry, problems: ProblemList, saving: boolean): void {
  if (!Array.isArray(list)) return;
  list.forEach((trigger, i) => {
    if (!isObject(trigger) || typeof trigger.type !== 'string') return;
    const def = registry.trigger(trigger.type);
    if (!def?.check) return;
    let found: { path: string; message: string }[];
    try {
      found = def.check(trigger, { saving });
    } catch {
      // The schema has already reported what makes the properties unreadable.
      return;
    }
    for (const p of found) problems.add(['triggers', i, ...splitPath(p.path)], p.message);
  });
}

const isTemplate = (text: string): boolean => text.includes('{{') || text.includes('{%');

/** What an ARRAY input's items may be, as in Kestra: no nested lists, no files. */
const ITEM_TYPES: readonly string[] = INPUT_TYPES.filter(
  (t) => t !== 'ARRAY' && t !== 'FILE' && t !== 'MULTISELECT',
);

/** A subflow task that starts its own flow would never end: Kestra refuses it, so do we. */
function checkSelfSubflow(flow: Json, registry: Registry, problems: ProblemList): void {
  for (const { task, path } of collectTasks(flow, registry)) {
    const def = typeof task.type === 'string' ? registry.task(task.type) : undefined;
    if (def?.type !== 'subflow') continue;
    if (task.namespace === flow.namespace && task.flowId === flow.id)
      problems.add(
        [...path, 'flowId'],
        `a flow cannot call itself as a subflow (${flow.namespace}.${flow.id})`,
      );
  }
}

/** Defaults must fit their input's type and validators (templated defaults are checked when rendered). */
function checkInputs(inputs: unknown, problems: ProblemList): void {
  if (!Array.isArray(inputs)) return;
  inputs.forEach((input, i) => {
    if (!isObject(input) || !INPUT_TYPES.includes(input.type as Input['type'])) return;
    if (typeof input.validator === 'string') {
      try {
        new RegExp(input.validator);
      } catch (err) {
        problems.add(
          ['inputs', i, 'validator'],
          `is not a valid regular expression: ${(err as Error).message}`,
        );
        return;
      }
    }
    if (input.itemType !== undefined && !ITEM_TYPES.includes(String(input.itemType))) {
      problems.add(
        ['inputs', i, 'itemType'],
        `must be one of: ${ITEM_TYPES.join(', ')} (items cannot be lists or files)`,
      );
      return;
    }
    if (input.type === 'FILE' && input.defaults !== undefined) {
      problems.add(
        ['inputs', i, 'defaults'],
        'a FILE input cannot have defaults: the file is given at each run',
      );
      return;
    }
    const defaults = input.defaults;
    if (defaults === undefined || defaults === null || (typeof defaults === 'string' && isTemplate(defaults)))
      return;
    try {
      resolveInputs([input as Input], {});
    } catch (err) {
      if (!(err instanceof InputValidationError)) return;
      for (const p of err.problems) problems.add(['inputs', i, 'defaults'], p.message);
    }
  });
}

/** Reports the syntax error of every template in the places expressions are rendered. */
function checkExpressions(
  flow: Json,
  check: (template: string) => string | undefined,
  problems: ProblemList,
): void {
  const walk = (value: unknown, path: Path): void => {
    if (typeof value === 'string') {
      if (!isTemplate(value)) return;
      let message: string | undefined;
      try {
        message = check(value);
      } catch (err) {
        message = (err as Error).message;
      }
      if (message) problems.add(path, message);
    } else if (Array.isArray(value)) {
      value.forEach((item, i) => {
        walk(item, [...path, i]);
      });
    } else if (isObject(value)) {
      for (const [key, item] of Object.entries(value)) walk(item, [...path, key]);
    }
  };
  for (const key of [...TASK_LISTS, 'triggers', 'variables', 'outputs', 'pluginDefaults']) {
    walk(flow[key], [key]);
  }
  if (Array.isArray(flow.inputs)) {
    flow.inputs.forEach((input, i) => {
      if (isObject(input)) walk(input.defaults, ['inputs', i, 'defaults']);
    });
  }
}

/**
 * Reads and parses a flow file. Never throws: an unreadable file is a problem too.
 *
 * @example const { flow, problems, source } = await loadFlowFile('flows/hello.yml', registry);
 */
export async function loadFlowFile(
  path: string,
  registry: Registry,
  options: ParseOptions = {},
): Promise<FileLoadResult> {
  const file = options.file ?? path;
  let source: string;
  try {
    source = await readFile(path, 'utf8');
  } catch (err) {
    return { file, problems: [located('', `cannot read the file: ${(err as Error).message}`, file)] };
  }
  return { file, source, ...parseFlow(source, registry, { ...options, file }) };
}

const FLOW_EXTENSIONS = new Set(['.yml', '.yaml']);

/** A folder of namespace files beside flows (`tern deploy` uploads it); never searched for flows. */
export const NAMESPACE_FILES_FOLDER = '_files';

/** A folder gone between listing its parent and reading it (a temporary one, say) holds no flow. */
function vanished(err: NodeJS.ErrnoException): string[] {
  if (err.code === 'ENOENT') return [];
  throw err;
}

async function walkDirectory(dir: string): Promise<string[]> {
  const entries: Dirent[] = await readdir(dir, { withFileTypes: true });
  const files: string[] = [];
  for (const entry of entries) {
    // Hidden folders hold tooling (.git, .github workflows), never flows; `_files` folders hold namespace files.
    if (entry.name.startsWith('.') || (entry.name === NAMESPACE_FILES_FOLDER && entry.isDirectory()))
      continue;
    const path = join(dir, entry.name);
    const kind = entry.isSymbolicLink() ? await stat(path).catch(() => undefined) : entry;
    if (kind?.isDirectory() && !entry.isSymbolicLink())
      files.push(...(await walkDirectory(path).catch(vanished)));
    else if (kind?.isFile() && FLOW_EXTENSIONS.has(extname(entry.name).toLowerCase())) files.push(path);
  }
  return files;
}

/**
 * Expands a list of files/dirs to .yml/.yaml files, recursively for dirs
 * (hidden folders and `_files` folders skipped), sorted and without duplicates. Files named
 * explicitly are kept whatever their extension. Rejects when a path does not exist.
 *
 * @example await findFlowFiles(['flows']) // ['flows/a.yml', 'flows/team/b.yaml']
 */
export async function findFlowFiles(paths: string[]): Promise<string[]> {
  const found = new Set<string>();
  for (const path of paths) {
    const info = await stat(path).catch((err: NodeJS.ErrnoException) => {
      throw new Error(
        err.code === 'ENOENT' ? `${path}: no such file or directory` : `${path}: ${err.message}`,
      );
    });
    if (info.isDirectory()) for (const file of await walkDirectory(path)) found.add(file);
    else found.add(path);
  }
  return [...found].sort();
}
