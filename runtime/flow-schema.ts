/** The full flow JSON Schema, assembled from the flow document and every plugin's properties, and its validator. */
import { Type as T, type TProperties, type TUnknown } from '@sinclair/typebox';
import { Ajv, type ErrorObject, type ValidateFunction } from 'ajv';
import addFormats from 'ajv-formats';
import { closestName, type Registry } from '../plugins/registry.js';
import { DURATION_PATTERN } from '../protocol/duration.js';
import { flowSchema, ID_REGEX, TaskCommonProperties, TriggerCommonProperties } from '../protocol/flow.js';
import { type AnyTaskDefinition, type AnyTriggerDefinition, TASK_REF } from '../protocol/plugin.js';
import { acceptTemplates, fromTemplateBranch } from './templated-props.js';

/** Draft-07: the dialect the YAML language server and ajv's default class both handle fully. */
const DRAFT_07 = 'http://json-schema.org/draft-07/schema#';

/** Where "a task of any type" lives in the assembled schema; plugin schemas' `TASK_REF` is rewritten to it. */
export const TASK_DEFINITION_REF = '#/definitions/task';
/** Where "a trigger of any type" lives in the assembled schema. */
export const TRIGGER_DEFINITION_REF = '#/definitions/trigger';

/** Annotation keywords editors read; ajv must accept them in strict mode. */
const EDITOR_KEYWORDS = ['markdownEnumDescriptions'] as const;

type JsonObject = Record<string, unknown>;

/** TypeBox schemas carry symbol keys; a JSON round trip leaves the plain JSON Schema. */
const plain = (schema: unknown): JsonObject => JSON.parse(JSON.stringify(schema)) as JsonObject;

const isObject = (value: unknown): value is JsonObject =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

/** Points every `TASK_REF` in a plugin schema at the assembled task definition. */
function rewriteTaskRefs(node: unknown): void {
  if (Array.isArray(node)) {
    for (const item of node) rewriteTaskRefs(item);
  } else if (isObject(node)) {
    if (node.$ref === TASK_REF) node.$ref = TASK_DEFINITION_REF;
    for (const value of Object.values(node)) rewriteTaskRefs(value);
  }
}

const pointerEscape = (key: string): string => key.replaceAll('~', '~0').replaceAll('/', '~1');

type Kind = 'task' | 'trigger';
type Definition = AnyTaskDefinition | AnyTriggerDefinition;

const variantKey = (kind: Kind, def: Definition): string => `${kind}.${def.type}`;
const typeNames = (def: Definition): string[] => [def.type, ...def.aliases];

function describeDefinition(def: Definition): string {
  return def.aliases.length > 0
    ? `${def.description}\n\nAlso written: ${def.aliases.join(', ')}`
    : def.description;
}

/** Schema of one task or trigger type: common properties plus the plugin's own, unknown properties refused. */
function variant(kind: Kind, def: Definition, commonNames: readonly string[]): JsonObject {
  const own = plain(def.properties);
  rewriteTaskRefs(own);
  // Embedded schemas must not declare their own identity or dialect.
  delete own.$id;
  delete own.$schema;
  const header = { title: def.title, description: describeDefinition(def) };
  const shared: JsonObject = {
    // `id` and `type` are checked once, by the entry definition that selects this variant.
    id: { description: `Unique id of the ${kind} in the flow` },
    type: { enum: typeNames(def), description: def.title },
  };
  for (const name of commonNames) shared[name] = { $ref: `#/definitions/${kind}Common/properties/${name}` };
  const combined = ['anyOf', 'oneOf', 'allOf', 'not', 'if', '$ref'].some((k) => k in own);
  if (own.type !== 'object' || combined) {
    // A composed plugin schema cannot be merged property by property; unknown properties pass here.
    return { ...header, allOf: [{ type: 'object', properties: shared }, own] };
  }
  const { title: _title, description: _description, properties: ownProperties, ...rest } = own;
  // A task's properties are rendered when it runs: an expression may stand for a number, a list …
  const properties =
    kind === 'task' && isObject(ownProperties)
      ? Object.fromEntries(
          Object.entries(ownProperties).map(([k, v]) => [
            k,
            isObject(v) && !(def as AnyTaskDefinition).raw.includes(k) ? acceptTemplates(v) : v,
          ]),
        )
      : ownProperties;
  // Every flowable task takes `errors` and `finally`, as in Kestra: the engine runs them after its children.
  if (kind === 'task' && (def as AnyTaskDefinition).children.length > 0) {
    shared.errors = {
      type: 'array',
      items: { $ref: TASK_DEFINITION_REF },
      description: 'Tasks run when a child task fails; the task stays FAILED',
    };
    shared.finally = {
      type: 'array',
      items: { $ref: TASK_DEFINITION_REF },
      description:
        'Tasks run once the children (and `errors`) have ended, whatever their state; one that fails fails the task',
    };
  }
  return {
    ...header,
    ...rest,
    properties: { ...shared, ...(isObject(properties) ? properties : {}), id: shared.id, type: shared.type },
    additionalProperties: own.additionalProperties ?? false,
  };
}

interface KindParts {
  kind: Kind;
  defs: readonly Definition[];
  names: readonly string[];
  lookup(name: string): Definition | undefined;
  common: TProperties;
  /** How the entry is described to editors. */
  title: string;
  description: string;
  typeDescription: string;
}

interface Assembled {
  schema: JsonObject;
  /** The `type` property schema of each kind of entry: an error on it means "unknown type". */
  typeSchemas: Map<unknown, Kind>;
}

/** Adds `<kind>`, `<kind>Common` and one variant per plugin to `definitions`; returns the entry's `type` schema. */
function addKind(parts: KindParts, definitions: JsonObject): JsonObject {
  const { kind, defs, names } = parts;
  const common = plain(T.Object(parts.common));
  const commonProperties = isObject(common.properties) ? common.properties : {};
  const { id: idSchema, type: _type, ...otherCommon } = commonProperties;
  const commonNames = Object.keys(otherCommon);
  const byName = names.map((name) => ({ name, def: parts.lookup(name) }));
  const typeSchema: JsonObject = {
    type: 'string',
    description: parts.typeDescription,
    // ajv refuses an empty enum; with no plugins every type is unknown.
    ...(names.length > 0 ? { enum: [...names] } : { not: {} }),
    markdownEnumDescriptions: byName.map(({ name, def }) =>
      def ? `**${def.title}**${name === def.type ? '' : ` (\`${def.type}\`)`}: ${def.description}` : name,
    ),
  };
  definitions[kind] = {
    title: parts.title,
    description: parts.description,
    type: 'object',
    required: ['id', 'type'],
    properties: { id: idSchema, type: typeSchema },
    ...(defs.length > 0 && {
      allOf: defs.map((def) => ({
        if: { type: 'object', properties: { type: { enum: typeNames(def) } }, required: ['type'] },
        // biome-ignore lint/suspicious/noThenProperty: JSON Schema's if/then keyword
        then: { $ref: `#/definitions/${pointerEscape(variantKey(kind, def))}` },
      })),
    }),
  };
  definitions[`${kind}Common`] = { type: 'object', properties: otherCommon };
  for (const def of defs) definitions[variantKey(kind, def)] = variant(kind, def, commonNames);
  return typeSchema;
}

/** For schemas with no task or trigger `type` in them: nothing is an unknown type. */
export const NO_TYPES: ExplainContext = { typeKind: () => undefined, suggestType: () => undefined };

/** The plugin types a schema gives properties for; the others are still known names, with no variant. */
interface Only {
  tasks: ReadonlySet<Definition>;
  triggers: ReadonlySet<Definition>;
}

function assemble(registry: Registry, only?: Only): Assembled {
  const definitions: JsonObject = {};
  const taskType = addKind(
    {
      kind: 'task',
      defs: only ? registry.tasks().filter((d) => only.tasks.has(d)) : registry.tasks(),
      names: registry.taskTypes(),
      lookup: (name) => registry.task(name),
      common: TaskCommonProperties,
      title: 'Task',
      description: 'A task: its `type` selects the properties it accepts.',
      typeDescription: 'Task type: a short name such as `log`, or its Kestra name',
    },
    definitions,
  );
  const triggerType = addKind(
    {
      kind: 'trigger',
      defs: only ? registry.triggers().filter((d) => only.triggers.has(d)) : registry.triggers(),
      names: registry.triggerTypes(),
      lookup: (name) => registry.trigger(name),
      common: TriggerCommonProperties,
      title: 'Trigger',
      description: 'A trigger: its `type` selects the properties it accepts.',
      typeDescription: 'Trigger type: a short name such as `schedule`, or its Kestra name',
    },
    definitions,
  );

  // The slots get a `$ref`; TypeBox only needs some schema there, its static type is irrelevant here.
  const slot = (ref: string) => T.Unsafe({ $ref: ref }) as unknown as TUnknown;
  const flow = plain(flowSchema(slot(TASK_DEFINITION_REF), slot(TRIGGER_DEFINITION_REF)));
  const schema: JsonObject = {
    $schema: DRAFT_07,
    title: 'Tern flow',
    description: 'A Tern flow (Kestra-compatible): id, namespace, inputs, tasks, triggers and outputs.',
    ...flow,
    definitions,
  };
  const typeSchemas = new Map<unknown, Kind>([
    [taskType, 'task'],
    [triggerType, 'trigger'],
  ]);
  return { schema, typeSchemas };
}

/**
 * The full flow JSON Schema (draft-07) for a registry: usable by ajv and by
 * editors through `# yaml-language-server: $schema=<url>`.
 *
 * @example writeFileSync('flow.schema.json', JSON.stringify(flowJsonSchema(registry)));
 */
export function flowJsonSchema(registry: Registry): object {
  return assemble(registry).schema;
}

/** A compiled flow schema for one registry. */
export interface FlowSchemaValidator {
  /** The raw ajv function; `validate.errors` holds ajv's own errors. */
  readonly validate: ValidateFunction;
  /** Validates a flow document and explains every problem, without ajv's anyOf cascades. */
  check(document: unknown): SchemaIssue[];
}

/** Builds an ajv instance configured for flow schemas (strict, every error, formats, editor keywords). */
export function createFlowAjv(): Ajv {
  // strictRequired is off: `required` inside anyOf branches (one of `uri` or `url`) is a sound pattern it rejects.
  const ajv = new Ajv({
    strict: true,
    strictRequired: false,
    allowUnionTypes: true,
    allErrors: true,
    verbose: true,
  });
  addFormats.default(ajv);
  for (const keyword of EDITOR_KEYWORDS) ajv.addKeyword({ keyword, schemaType: 'array' });
  return ajv;
}

const validators = new WeakMap<Registry, FlowSchemaValidator>();

/** Validators kept per registry, one per set of plugin types flows use; beyond this many sets, one for all types. */
const MAX_NARROWED = 32;

/** A validator for the flows that use some of the plugin types only. */
interface Narrowed {
  validate: ValidateFunction;
  typeSchemas: Map<unknown, Kind>;
}

/**
 * The plugin types a document names: every object's `type` that is a known
 * task or trigger type (a task's `type` may sit at any depth, under any
 * property of a flowable). An input's `type: STRING` matches nothing.
 */
function usedTypes(document: unknown, registry: Registry): Only {
  const tasks = new Set<Definition>();
  const triggers = new Set<Definition>();
  const walk = (node: unknown): void => {
    if (Array.isArray(node)) for (const item of node) walk(item);
    else if (isObject(node)) {
      if (typeof node.type === 'string') {
        const task = registry.task(node.type);
        const trigger = registry.trigger(node.type);
        if (task) tasks.add(task);
        if (trigger) triggers.add(trigger);
      }
      for (const value of Object.values(node)) walk(value);
    }
  };
  walk(document);
  return { tasks, triggers };
}

/**
 * The flow validator for a registry. Compiling the schema of every plugin
 * takes most of a small device's start-up (and megabytes of generated code),
 * so `check` compiles one for the types a flow uses, cached by that set: a
 * fleet's flows share a few sets. Type names are all known to each one, so an
 * unknown or misspelt type reads the same. `validate`, the whole schema's
 * function, is compiled on first use. Throws if a plugin's schema is not
 * valid JSON Schema.
 *
 * @example flowSchemaValidator(registry).check(flow) // [] when the flow is valid
 */
export function flowSchemaValidator(registry: Registry): FlowSchemaValidator {
  const cached = validators.get(registry);
  if (cached) return cached;
  const compile = (only?: Only): Narrowed => {
    const { schema, typeSchemas } = assemble(registry, only);
    return { validate: createFlowAjv().compile(schema), typeSchemas };
  };
  let whole: Narrowed | undefined;
  const narrowed = new Map<string, Narrowed>();
  const narrowedFor = (document: unknown): Narrowed => {
    const only = usedTypes(document, registry);
    const key = [
      ...[...only.tasks].map((d) => variantKey('task', d)),
      ...[...only.triggers].map((d) => variantKey('trigger', d)),
    ]
      .sort()
      .join(' ');
    let found = narrowed.get(key);
    if (!found) {
      // Past a few sets (a hub, an editor, a fuzzer), one validator for every type costs less than a
      // compile per new set: a device keeps to its few sets and never compiles the whole schema.
      if (narrowed.size >= MAX_NARROWED) {
        whole ??= compile();
        return whole;
      }
      found = compile(only);
      narrowed.set(key, found);
    }
    return found;
  };
  const validator: FlowSchemaValidator = {
    get validate() {
      whole ??= compile();
      return whole.validate;
    },
    check(document) {
      const { validate, typeSchemas } = narrowedFor(document);
      if (validate(document)) return [];
      return explainSchemaErrors((validate.errors ?? []) as ErrorObject[], document, {
        typeKind: (schemaNode) => typeSchemas.get(schemaNode),
        suggestType: (kind, type) =>
          kind === 'task' ? registry.suggest(type) : registry.suggestTrigger(type),
      });
    },
  };
  validators.set(registry, validator);
  return validator;
}

/** One schema problem, explained for people. */
export interface SchemaIssue {
  /** Where in the document: property names and array indexes. */
  path: (string | number)[];
  message: string;
  /** Set for an unknown property: the problem sits on this key of the object at `path`. */
  key?: string;
}

export interface ExplainContext {
  /** The kind of entry whose `type` this schema checks (failing it means the type is unknown), or undefined. */
  typeKind(schema: unknown): Kind | undefined;
  suggestType(kind: Kind, type: string): string | undefined;
}

/** What a value failed to be when it lacks even the shape (type, constant) of an alternative. */
interface Shape {
  types: string[];
  values: unknown[];
}

interface Item {
  instancePath: string;
  schemaPath: string;
  issue: SchemaIssue;
  shape?: Shape;
}

/**
 * Turns ajv's errors into one issue per real problem: `if` wrappers dropped,
 * anyOf/oneOf alternatives reduced to the one that fits (or to "must be A or
 * B" when none has the right shape), messages written for people.
 */
export function explainSchemaErrors(
  errors: readonly ErrorObject[],
  document: unknown,
  context: ExplainContext,
): SchemaIssue[] {
  const items: Item[] = [];
  for (const error of errors) {
    // A failed `if`/`then` pair adds a summary; the `then` errors already say what is wrong.
    if (error.keyword === 'if') continue;
    // The expression branch of a property only says "not an expression": the other branches say what it must be.
    if (fromTemplateBranch(error)) continue;
    const alternatives = error.keyword === 'anyOf' || error.keyword === 'oneOf';
    if (alternatives && !(error.params as { passingSchemas?: unknown }).passingSchemas) {
      items.push(...collapse(error, takeBranches(items, error), document));
    } else {
      items.push(explainOne(error, document, context));
    }
  }
  return items.map((item) => item.issue);
}

const within = (path: string, parent: string): boolean => path === parent || path.startsWith(`${parent}/`);

/** Removes from `items` the errors of each alternative of `error` (ajv lists them just before it). */
function takeBranches(items: Item[], error: ErrorObject): Item[][] {
  const prefix = `${error.schemaPath}/`;
  const branches: Item[][] = [];
  for (let i = items.length - 1; i >= 0; i--) {
    const item = items[i]!;
    if (!item.schemaPath.startsWith(prefix) || !within(item.instancePath, error.instancePath)) continue;
    const index = Number.parseInt(item.schemaPath.slice(prefix.length), 10);
    const branch = branches[index] ?? [];
    branch.unshift(item);
    branches[index] = branch;
    items.splice(i, 1);
  }
  return branches.filter((branch) => branch !== undefined);
}

function collapse(error: ErrorObject, branches: Item[][], document: unknown): Item[] {
  const at = error.instancePath;
  const fitting = branches.filter((branch) => !branch.some((item) => item.shape && item.instancePath === at));
  if (fitting.length > 0)
    return fitting.reduce((best, branch) => (branch.length < best.length ? branch : best));
  const shape: Shape = {
    types: [...new Set(branches.flatMap((b) => b.flatMap((item) => item.shape?.types ?? [])))],
    values: [...new Set(branches.flatMap((b) => b.flatMap((item) => item.shape?.values ?? [])))],
  };
  const path = pointerSegments(at, document);
  return [
    { instancePath: at, schemaPath: error.schemaPath, shape, issue: { path, message: shapeMessage(shape) } },
  ];
}

const ARTICLES: Record<string, string> = {
  string: 'a string',
  integer: 'an integer',
  number: 'a number',
  boolean: 'a boolean (true or false)',
  object: 'an object',
  array: 'a list',
  null: 'null',
};
const withArticle = (type: string): string => ARTICLES[type] ?? type;

function shapeMessage({ types, values }: Shape): string {
  if (types.length === 0 && values.length === 0) return 'does not match any accepted form';
  if (types.length === 0) return `must be one of: ${values.map(String).join(', ')}`;
  const forms = [...values.map((v) => `'${String(v)}'`), ...types.map(withArticle)];
  return `must be ${forms.join(' or ')}`;
}

/** A value quoted for a message, cut short when long. */
function show(value: unknown): string {
  const text = typeof value === 'string' ? `'${value}'` : (JSON.stringify(value) ?? String(value));
  return text.length > 60 ? `${text.slice(0, 57)}...` : text;
}

function patternMessage(pattern: string, value: unknown): string {
  if (pattern === ID_REGEX) {
    return `must start with a letter or a digit and contain only letters, digits, '.', '_' and '-' (got ${show(value)})`;
  }
  if (pattern === DURATION_PATTERN)
    return `must be an ISO-8601 duration such as PT30S or PT1H30M (got ${show(value)})`;
  return `must match the pattern ${pattern} (got ${show(value)})`;
}

function explainOne(error: ErrorObject, document: unknown, context: ExplainContext): Item {
  const params = error.params as Record<string, unknown>;
  const path = pointerSegments(error.instancePath, document);
  const item = (message: string, extra: Partial<Item> & { key?: string } = {}): Item => {
    const { key, ...rest } = extra;
    const issue: SchemaIssue = key === undefined ? { path, message } : { path, message, key };
    return { instancePath: error.instancePath, schemaPath: error.schemaPath, issue, ...rest };
  };
  const limit = Number(params.limit);
  switch (error.keyword) {
    case 'required':
      return item(`missing required property '${String(params.missingProperty)}'`);
    case 'additionalProperties': {
      const key = String(params.additionalProperty);
      const parent = error.parentSchema as { properties?: JsonObject } | undefined;
      const near = closestName(key, Object.keys(parent?.properties ?? {}));
      return item(`unknown property '${key}'${near ? ` (did you mean '${near}'?)` : ''}`, { key });
    }
    case 'type': {
      const types = String(params.type).split(',');
      return item(`must be ${types.map(withArticle).join(' or ')}`, { shape: { types, values: [] } });
    }
    case 'enum':
    case 'not': {
      const kind = context.typeKind(error.parentSchema);
      if (kind) {
        const near = typeof error.data === 'string' ? context.suggestType(kind, error.data) : undefined;
        const what = kind === 'task' ? 'type' : 'trigger type';
        return item(`unknown ${what} ${show(error.data)}${near ? ` (did you mean '${near}'?)` : ''}`);
      }
      if (error.keyword === 'not') return item(error.message ?? 'is not allowed');
      const values = params.allowedValues as unknown[];
      return item(`must be one of: ${values.map(String).join(', ')}`, { shape: { types: [], values } });
    }
    case 'const':
      return item(`must be one of: ${String(params.allowedValue)}`, {
        shape: { types: [], values: [params.allowedValue] },
      });
    case 'pattern':
      return item(patternMessage(String(params.pattern), error.data));
    case 'format':
      return item(`must be a valid ${String(params.format)} (got ${show(error.data)})`);
    case 'minItems':
      return item(limit === 1 ? 'must not be empty' : `must have at least ${limit} items`);
    case 'minLength':
      return item(limit === 1 ? 'must not be empty' : `must be at least ${limit} characters long`);
    case 'false schema':
      return item('is not allowed here');
    default:
      return item(error.message ?? `is invalid (${error.keyword})`);
  }
}

/** Splits a JSON pointer into keys and indexes, using the document to tell indexes from numeric keys. */
function pointerSegments(pointer: string, document: unknown): (string | number)[] {
  if (!pointer) return [];
  const out: (string | number)[] = [];
  let node = document;
  for (const raw of pointer.slice(1).split('/')) {
    const key = raw.replaceAll('~1', '/').replaceAll('~0', '~');
    if (Array.isArray(node)) {
      const index = Number(key);
      out.push(index);
      node = node[index];
    } else {
      out.push(key);
      node = isObject(node) ? node[key] : undefined;
    }
  }
  return out;
}
