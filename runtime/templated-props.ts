/**
 * Expressions where a task property is not a free string: `port: "{{ inputs.port }}"`,
 * `concurrencyLimit: "{{ vars.n }}"`, `action: "{{ inputs.action }}"`. Kestra reads such a
 * property when the task runs, so a flow may give an expression for a number, a boolean, a list,
 * a map or a constrained string. The flow's schema accepts one there ({@link acceptTemplates}); the
 * engine checks the rendered value against the property's own schema before the task runs
 * ({@link renderedPropsCheck}), converting text that reads as the type (`"5"` for an integer).
 */
import { Ajv, type ErrorObject, type ValidateFunction } from 'ajv';
import addFormats from 'ajv-formats';

type Json = Record<string, unknown>;

const isObject = (value: unknown): value is Json =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

/** Marks the schema branch that stands for "an expression, checked once rendered". */
export const TEMPLATE_COMMENT = 'an expression, checked when rendered';

/** Text with an expression in it, as the renderer finds them. */
export const isTemplate = (text: string): boolean => text.includes('{{') || text.includes('{%');

/** A string schema that takes any text: an expression there needs no branch of its own. */
function freeString(node: Json): boolean {
  return (
    node.type === 'string' &&
    node.pattern === undefined &&
    node.enum === undefined &&
    node.const === undefined &&
    node.format === undefined
  );
}

/** Whether a schema node takes any text as it is (a free string, or a union with one). */
function takesText(node: Json): boolean {
  if (freeString(node)) return true;
  const branches = (node.anyOf ?? node.oneOf) as unknown;
  return Array.isArray(branches) && branches.some((b) => isObject(b) && takesText(b));
}

/** Whether a schema node holds tasks (a `$ref` anywhere in it): those are the engine's, never rendered. */
function holdsRefs(node: unknown): boolean {
  if (Array.isArray(node)) return node.some(holdsRefs);
  if (!isObject(node)) return false;
  return '$ref' in node || Object.values(node).some(holdsRefs);
}

/**
 * A property schema that also takes an expression at every place that does not take any text
 * already, nested objects and lists included. Places that hold tasks are left as they are.
 *
 * @example acceptTemplates({ type: 'integer' }) // { anyOf: [{ type: 'integer' }, { type: 'string', pattern: '\\{\\{|\\{%', $comment }] }
 */
export function acceptTemplates(node: Json): Json {
  if (holdsRefs(node) || takesText(node)) return node;
  const inner: Json = { ...node };
  if (isObject(inner.properties))
    inner.properties = Object.fromEntries(
      Object.entries(inner.properties).map(([k, v]) => [k, isObject(v) ? acceptTemplates(v) : v]),
    );
  if (isObject(inner.items)) inner.items = acceptTemplates(inner.items);
  if (isObject(inner.additionalProperties))
    inner.additionalProperties = acceptTemplates(inner.additionalProperties);
  if (isObject(inner.patternProperties))
    inner.patternProperties = Object.fromEntries(
      Object.entries(inner.patternProperties).map(([k, v]) => [k, isObject(v) ? acceptTemplates(v) : v]),
    );
  for (const key of ['anyOf', 'oneOf'] as const)
    if (Array.isArray(inner[key]))
      inner[key] = (inner[key] as unknown[]).map((b) => (isObject(b) ? acceptTemplates(b) : b));
  const { description, default: defaultValue, title } = inner;
  const template = { type: 'string', pattern: '\\{\\{|\\{%', $comment: TEMPLATE_COMMENT };
  return {
    ...(title !== undefined && { title }),
    ...(description !== undefined && { description }),
    ...(defaultValue !== undefined && { default: defaultValue }),
    anyOf: [inner, template],
  };
}

/** Whether an ajv error comes from an expression branch (so it says nothing about the value's form). */
export const fromTemplateBranch = (error: ErrorObject): boolean =>
  isObject(error.parentSchema) && error.parentSchema.$comment === TEMPLATE_COMMENT;

/** The schema node for a property path, walking objects and lists; undefined where it cannot tell. */
function nodeAt(root: Json, path: readonly (string | number)[]): Json | undefined {
  let node: Json | undefined = root;
  for (const key of path) {
    if (!node) return undefined;
    if (typeof key === 'number') node = isObject(node.items) ? node.items : undefined;
    else if (isObject(node.properties) && isObject(node.properties[key])) node = node.properties[key] as Json;
    else node = isObject(node.additionalProperties) ? node.additionalProperties : undefined;
  }
  return node;
}

/** Every expression among a task's values that sits where the schema wants more than text. */
function templatesOutsideText(schema: Json, value: unknown, path: (string | number)[] = []): boolean {
  if (typeof value === 'string') {
    if (!isTemplate(value)) return false;
    const node = nodeAt(schema, path);
    return node === undefined ? path.length > 0 : !takesText(node);
  }
  if (Array.isArray(value)) return value.some((v, i) => templatesOutsideText(schema, v, [...path, i]));
  if (isObject(value))
    return Object.entries(value).some(([k, v]) => templatesOutsideText(schema, v, [...path, k]));
  return false;
}

/** A task's rendered properties checked against the plugin's schema, text converted to numbers and booleans. */
export type PropsCheck = (rendered: Json) => void;

const coercing = new Ajv({ coerceTypes: true, allErrors: true, strict: false, verbose: true });
addFormats.default(coercing);
const checkers = new WeakMap<object, ValidateFunction>();

function checkerFor(properties: object): ValidateFunction {
  let validate = checkers.get(properties);
  if (!validate) {
    const own = JSON.parse(JSON.stringify(properties)) as Json;
    const props = isObject(own.properties) ? own.properties : {};
    // Task lists are the engine's; other properties keep their schema.
    const kept = Object.fromEntries(Object.entries(props).filter(([, v]) => !holdsRefs(v)));
    validate = coercing.compile({ type: 'object', properties: kept });
    checkers.set(properties, validate);
  }
  return validate;
}

/**
 * The check a task's rendered properties need, or undefined when every expression in `raw` sits
 * where text is taken (most tasks: the check then costs nothing).
 *
 * @param properties the plugin's property schema (TypeBox)
 * @param raw the task's properties as written, before rendering
 * @param describe turns ajv's errors into one line
 */
export function renderedPropsCheck(
  properties: object,
  raw: Json,
  describe: (errors: readonly ErrorObject[], rendered: Json) => string,
): PropsCheck | undefined {
  const plainSchema = JSON.parse(JSON.stringify(properties)) as Json;
  if (!templatesOutsideText(plainSchema, raw)) return undefined;
  const validate = checkerFor(properties);
  return (rendered) => {
    if (!validate(rendered)) throw new Error(describe(validate.errors ?? [], rendered));
  };
}
