/**
 * Completion of flow YAML from the flow JSON Schema (`GET /schemas/flow`):
 * property names of the mapping being typed in (a task's properties chosen
 * by its `type`), and values from enums and booleans. The YAML path of the
 * cursor is read from indentation, which is how flows are written.
 */
import type { Completion, CompletionContext, CompletionResult } from '@codemirror/autocomplete';
import type { Text } from '@codemirror/state';

type Schema = Record<string, unknown>;

interface Line {
  /** Column of `- ` when the line starts a sequence item, else -1. */
  dash: number;
  /** Column of the key, or of the text after `- `. */
  col: number;
  key: string | undefined;
  value: string;
}

const KEY_LINE = /^(\s*)(-\s+)?([A-Za-z_$][\w.$-]*)\s*:(?:\s+(.*))?$/;

function parse(text: string): Line | undefined {
  if (/^\s*(#|$)/.test(text)) return undefined;
  const m = KEY_LINE.exec(text);
  if (m) {
    const lead = m[1]!.length;
    return {
      dash: m[2] ? lead : -1,
      col: lead + (m[2]?.length ?? 0),
      key: m[3],
      value: (m[4] ?? '').replace(/\s+#.*$/, ''),
    };
  }
  const dash = /^(\s*)-(\s+|$)/.exec(text);
  const lead = /^\s*/.exec(text)![0].length;
  return dash
    ? { dash: lead, col: lead + dash[0].length - lead, key: undefined, value: '' }
    : { dash: -1, col: lead, key: undefined, value: '' };
}

interface Context {
  /** Keys from the root to the mapping the cursor is in; `[]` for a sequence item. */
  path: string[];
  /** Column of the mapping's keys. */
  col: number;
  /** The line the mapping's first key is on (inclusive) and its last line. */
  siblings: Line[];
}

/** Where in the document the cursor's mapping sits, from the lines above it. */
export function yamlContext(
  doc: Text,
  lineNo: number,
  col: number,
  startsItem: boolean,
  dashCol: number,
): Context {
  const path: string[] = [];
  let ind = startsItem ? dashCol : col;
  let isItem = startsItem;
  if (startsItem) path.unshift('[]');
  const siblings: Line[] = [];
  let mappingOpen = true;
  for (let n = lineNo - 1; n >= 1; n--) {
    const line = parse(doc.line(n).text);
    if (!line) continue;
    if (isItem) {
      if (line.dash === ind) continue;
      if (line.key && (line.col < ind || (line.col === ind && line.dash < 0))) {
        path.unshift(line.key);
        if (line.dash >= 0) {
          path.unshift('[]');
          ind = line.dash;
        } else {
          ind = line.col;
          isItem = false;
        }
      } else if (line.col < ind) break;
      continue;
    }
    if (line.col === ind && line.key) {
      if (mappingOpen) siblings.push(line);
      if (line.dash >= 0) {
        mappingOpen = false;
        path.unshift('[]');
        ind = line.dash;
        isItem = true;
      }
      continue;
    }
    if (line.col < ind) {
      mappingOpen = false;
      if (!line.key) break;
      path.unshift(line.key);
      if (line.dash >= 0) {
        path.unshift('[]');
        ind = line.dash;
        isItem = true;
      } else ind = line.col;
    }
  }
  // Keys of the same mapping below the cursor.
  for (let n = lineNo + 1; n <= doc.lines; n++) {
    const line = parse(doc.line(n).text);
    if (!line) continue;
    if (line.col < col || line.dash >= 0) break;
    if (line.col === col && line.key) siblings.push(line);
  }
  return { path, col, siblings };
}

/** Follows `$ref`s (`#/definitions/a~1b`) to the schema they name. */
function deref(root: Schema, schema: unknown, depth = 0): Schema {
  let s = (schema ?? {}) as Schema;
  while (typeof s.$ref === 'string' && depth++ < 20) {
    const parts = s.$ref
      .replace(/^#\//, '')
      .split('/')
      .map((p) => p.replaceAll('~1', '/').replaceAll('~0', '~'));
    let target: unknown = root;
    for (const p of parts) target = (target as Schema | undefined)?.[p];
    s = (target ?? {}) as Schema;
  }
  return s;
}

/** Every property a mapping of `schema` may have; with `type` known, only that variant's. */
function properties(root: Schema, schema: unknown, type?: string, depth = 0): Map<string, Schema> {
  const out = new Map<string, Schema>();
  if (depth > 12) return out;
  const s = deref(root, schema);
  for (const [k, v] of Object.entries((s.properties ?? {}) as Record<string, Schema>)) out.set(k, v);
  for (const part of (s.allOf ?? []) as Schema[]) {
    const p = deref(root, part);
    if (p.if && p.then) {
      const types = ((p.if as Schema).properties as Record<string, Schema> | undefined)?.type?.enum as
        | string[]
        | undefined;
      if (type !== undefined && types && !types.includes(type)) continue;
      for (const [k, v] of properties(root, p.then, type, depth + 1)) if (!out.has(k)) out.set(k, v);
    } else for (const [k, v] of properties(root, p, type, depth + 1)) if (!out.has(k)) out.set(k, v);
  }
  for (const part of [...((s.anyOf ?? []) as Schema[]), ...((s.oneOf ?? []) as Schema[])])
    for (const [k, v] of properties(root, part, type, depth + 1)) if (!out.has(k)) out.set(k, v);
  return out;
}

/** The schema of the node at `path` below `schema`. */
function descend(root: Schema, schema: Schema, path: string[]): Schema | undefined {
  let s: Schema | undefined = schema;
  for (const seg of path) {
    if (!s) return undefined;
    const d = deref(root, s);
    if (seg === '[]') {
      const alternatives = [d, ...((d.anyOf ?? d.oneOf ?? []) as Schema[]).map((x) => deref(root, x))];
      s = alternatives.find((a) => a.items)?.items as Schema | undefined;
      continue;
    }
    const props = properties(root, d);
    s = props.get(seg);
    if (!s) {
      const alternatives = [d, ...((d.anyOf ?? d.oneOf ?? []) as Schema[]).map((x) => deref(root, x))];
      s = alternatives.find((a) => a.additionalProperties && typeof a.additionalProperties === 'object')
        ?.additionalProperties as Schema | undefined;
    }
  }
  return s;
}

const firstLine = (text: unknown) => (typeof text === 'string' ? text.split('\n')[0] : undefined);

function valueOptions(root: Schema, schema: Schema): Completion[] {
  const s = deref(root, schema);
  const alternatives = [s, ...((s.anyOf ?? s.oneOf ?? []) as Schema[]).map((x) => deref(root, x))];
  const out: Completion[] = [];
  for (const a of alternatives) {
    const docs = (a.markdownEnumDescriptions ?? []) as string[];
    const values = (a.enum ?? []) as unknown[];
    for (const [i, v] of values.entries())
      out.push({ label: String(v), type: 'enum', info: docs[i]?.replace(/\*\*/g, '') });
    if (a.const !== undefined) out.push({ label: String(a.const), type: 'enum' });
    if (a.type === 'boolean')
      out.push({ label: 'true', type: 'keyword' }, { label: 'false', type: 'keyword' });
  }
  return out;
}

/** A CodeMirror completion source for flow YAML, given the flow JSON Schema. */
export function flowCompletion(schema: Schema) {
  return (context: CompletionContext): CompletionResult | null => {
    const line = context.state.doc.lineAt(context.pos);
    const before = line.text.slice(0, context.pos - line.from);
    const valueMatch = /^(\s*)(-\s+)?([A-Za-z_$][\w.$-]*)\s*:\s+([^\s#]*)$/.exec(before);
    const keyMatch = /^(\s*)(-\s+)?([A-Za-z_$][\w.$-]*)?$/.exec(before);
    const m = valueMatch ?? keyMatch;
    if (!m) return null;
    const lead = m[1]!.length;
    const col = lead + (m[2]?.length ?? 0);
    const ctx = yamlContext(context.state.doc, line.number, col, m[2] !== undefined, lead);
    const container = descend(schema, schema, ctx.path);
    if (!container) return null;
    const type = ctx.siblings.find((s) => s.key === 'type')?.value.replace(/^['"]|['"]$/g, '');
    const props = properties(schema, container, valueMatch ? undefined : type || undefined);
    if (valueMatch) {
      const own = valueMatch[3]!;
      const prop = (own === 'type' ? properties(schema, container) : props).get(own);
      if (!prop) return null;
      const options = valueOptions(schema, prop);
      if (options.length === 0) return null;
      return { from: context.pos - valueMatch[4]!.length, options, validFor: /^[\w.$-]*$/ };
    }
    const word = m[3] ?? '';
    if (!context.explicit && word === '' && m[2] === undefined && before.trim() !== '') return null;
    const present = new Set(ctx.siblings.map((s) => s.key));
    const required = new Set((deref(schema, container).required ?? []) as string[]);
    const options: Completion[] = [...props]
      .filter(([k]) => !present.has(k))
      .map(([k, v]) => {
        const d = deref(schema, v);
        return {
          label: k,
          type: 'property',
          detail: typeof d.type === 'string' ? d.type : d.enum ? 'enum' : undefined,
          info: firstLine(d.description ?? v.description),
          apply: `${k}: `,
          boost: required.has(k) ? 10 : k === 'id' || k === 'type' ? 5 : 0,
        };
      });
    return { from: context.pos - word.length, options, validFor: /^[\w.$-]*$/ };
  };
}
