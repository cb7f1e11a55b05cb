/** Plugin JSON Schemas as people read them: a short type name per property, and one row per property. */
import { TASK_REF } from '../protocol/plugin.js';

type Json = Record<string, unknown>;

/** One documented property. */
export interface PropertyRow {
  /** Dotted for a property of an object property, e.g. `memory.memory`. */
  name: string;
  type: string;
  required: boolean;
  /** JSON text of the default, when there is one. */
  default?: string;
  description: string;
}

const isObject = (value: unknown): value is Json =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

/** TypeBox schemas carry symbol keys; a JSON round trip leaves the plain JSON Schema. */
export const plainSchema = (schema: unknown): Json => JSON.parse(JSON.stringify(schema ?? {})) as Json;

const variantsOf = (schema: Json): Json[] => {
  const list = schema.anyOf ?? schema.oneOf;
  return Array.isArray(list) ? list.filter(isObject) : [];
};

/**
 * A short type name for a schema: `string`, `list of string`, `map of any`,
 * `'A' | 'B'`, `task list`.
 *
 * @example typeText({ type: 'array', items: { type: 'string' } }) // 'list of string'
 */
export function typeText(schema: Json): string {
  if (schema.$ref === TASK_REF) return 'task';
  if ('const' in schema) return JSON.stringify(schema.const);
  if (Array.isArray(schema.enum)) return schema.enum.map((v) => JSON.stringify(v)).join(' | ');
  const variants = variantsOf(schema);
  if (variants.length > 0) return [...new Set(variants.map(typeText))].join(' | ');
  const type = schema.type;
  if (Array.isArray(type)) return type.join(' | ');
  if (type === 'array') {
    const items = isObject(schema.items) ? typeText(schema.items) : 'any';
    return items === 'task' ? 'task list' : `list of ${items}`;
  }
  if (type === 'object') {
    if (isObject(schema.properties) && Object.keys(schema.properties).length > 0) return 'object';
    const values = isObject(schema.patternProperties)
      ? Object.values(schema.patternProperties).find(isObject)
      : isObject(schema.additionalProperties)
        ? schema.additionalProperties
        : undefined;
    return `map of ${values ? typeText(values) : 'any'}`;
  }
  return typeof type === 'string' ? type : 'any';
}

/** The object schema with named properties among `schema` and its variants, if any. */
function objectWithProperties(schema: Json): Json | undefined {
  if (schema.type === 'object' && isObject(schema.properties) && Object.keys(schema.properties).length > 0) {
    return schema;
  }
  return variantsOf(schema)
    .map(objectWithProperties)
    .find((s) => s !== undefined);
}

const oneLine = (text: unknown): string => (typeof text === 'string' ? text.replace(/\s+/g, ' ').trim() : '');

/**
 * One row per property of an object schema, in declaration order, each
 * followed by the properties of an object it holds (to `depth` levels).
 */
export function propertyRows(schema: Json, prefix = '', depth = 2): PropertyRow[] {
  const properties = isObject(schema.properties) ? schema.properties : {};
  const required = new Set(Array.isArray(schema.required) ? schema.required : []);
  const rows: PropertyRow[] = [];
  for (const [name, value] of Object.entries(properties)) {
    if (!isObject(value)) continue;
    const row: PropertyRow = {
      name: `${prefix}${name}`,
      type: typeText(value),
      required: required.has(name),
      description: oneLine(value.description),
    };
    if ('default' in value) row.default = JSON.stringify(value.default);
    rows.push(row);
    const nested = depth > 1 ? objectWithProperties(value) : undefined;
    if (nested) rows.push(...propertyRows(nested, `${row.name}.`, depth - 1));
  }
  return rows;
}
