/**
 * Plugin documentation generated from the definitions' schemas: the list and
 * per-type pages of `tern plugins`, and docs/plugins.md.
 */
import { TaskCommonProperties, TriggerCommonProperties } from '../protocol/flow.js';
import type { AnyTaskDefinition, AnyTriggerDefinition } from '../protocol/plugin.js';
import type { Registry } from './registry.js';
import { type PropertyRow, plainSchema, propertyRows } from './schema-text.js';

/** A task or trigger definition with its kind. */
export type PluginEntry =
  | { kind: 'task'; def: AnyTaskDefinition }
  | { kind: 'trigger'; def: AnyTriggerDefinition };

const byType = (a: PluginEntry, b: PluginEntry) => a.def.type.localeCompare(b.def.type);

/** Every plugin of the registry, tasks then triggers, each sorted by type. */
export function pluginEntries(registry: Registry): PluginEntry[] {
  return [
    ...registry.tasks().map((def): PluginEntry => ({ kind: 'task', def })),
    ...registry.triggers().map((def): PluginEntry => ({ kind: 'trigger', def })),
  ].sort((a, b) => (a.kind === b.kind ? byType(a, b) : a.kind === 'task' ? -1 : 1));
}

/** The plugin named `type` (a type or an alias), task or trigger. */
export function findPlugin(registry: Registry, type: string): PluginEntry | undefined {
  const task = registry.task(type);
  if (task) return { kind: 'task', def: task };
  const trigger = registry.trigger(type);
  return trigger ? { kind: 'trigger', def: trigger } : undefined;
}

/** Markdown text with `<` and `>` outside code spans escaped, so that `<taskId>` is not taken for HTML. */
const prose = (text: string): string =>
  text
    .split('`')
    .map((part, i) => (i % 2 === 0 ? part.replaceAll('<', '&lt;').replaceAll('>', '&gt;') : part))
    .join('`');

/** A markdown table cell: one line, pipes escaped. */
const cell = (text: string): string => prose(text.replace(/\s+/g, ' ').replaceAll('|', '\\|').trim());
const code = (text: string): string => `\`${text}\``;

function table(rows: readonly PropertyRow[], withRequired: boolean): string[] {
  const head = withRequired
    ? ['| Property | Type | Required | Default | Description |', '|---|---|---|---|---|']
    : ['| Output | Type | Description |', '|---|---|---|'];
  return [
    ...head,
    ...rows.map((r) => {
      const cells = withRequired
        ? [
            code(r.name),
            cell(r.type),
            r.required ? 'yes' : '',
            r.default ? code(r.default) : '',
            cell(r.description),
          ]
        : [code(r.name), cell(r.type), cell(r.description)];
      return `| ${cells.join(' | ')} |`;
    }),
  ];
}

/** The documentation of one plugin as markdown, starting with a heading of `level` (`###` by default). */
export function pluginMarkdown(entry: PluginEntry, level = 3): string {
  const { def, kind } = entry;
  const lines = [`${'#'.repeat(level)} ${code(def.type)} — ${def.title}`, '', prose(def.description), ''];
  if (def.aliases.length > 0) lines.push(`Also written: ${def.aliases.map(code).join(', ')}.`, '');
  const properties = propertyRows(plainSchema(def.properties));
  lines.push(properties.length > 0 ? table(properties, true).join('\n') : 'No properties of its own.', '');
  const produced = kind === 'task' ? def.outputs : def.variables;
  const outputs = produced ? propertyRows(plainSchema(produced)) : [];
  if (outputs.length > 0) {
    const what =
      kind === 'task'
        ? `Outputs, as ${code('outputs.<taskId>.<name>')}:`
        : `Variables of the execution, as ${code('trigger.<name>')}:`;
    lines.push(what, '', ...table(outputs, false), '');
  }
  for (const example of def.examples)
    lines.push(`Example: ${example.title}`, '', '```yaml', example.code, '```', '');
  return lines.join('\n').trimEnd();
}

const names = (properties: object): string => Object.keys(properties).map(code).join(', ');

/** docs/plugins.md: an index of every plugin, the common properties, and each plugin's page. */
export function pluginsMarkdown(registry: Registry): string {
  const entries = pluginEntries(registry);
  const index = (kind: PluginEntry['kind']) =>
    entries
      .filter((e) => e.kind === kind)
      .map((e) => {
        const link = `[${code(e.def.type)}](#${anchor(e.def.type, e.def.title)})`;
        return `| ${link} | ${cell(e.def.title)} | ${e.def.aliases.map(code).join(', ')} |`;
      });
  return [
    '# Plugins',
    '',
    '<!-- Generated from the plugins’ schemas by `npm run docs:plugins`: edit the plugins, not this. -->',
    '',
    'Every task type and trigger type Tern knows, with its Kestra aliases. The same text is printed by ' +
      `${code('tern plugins list')} and ${code('tern plugins doc TYPE')}.`,
    '',
    `Every task also takes ${names(TaskCommonProperties)}. ` +
      `Every trigger also takes ${names(TriggerCommonProperties)}.`,
    '',
    '## Tasks',
    '',
    '| Type | Title | Kestra aliases |',
    '|---|---|---|',
    ...index('task'),
    '',
    '## Triggers',
    '',
    '| Type | Title | Kestra aliases |',
    '|---|---|---|',
    ...index('trigger'),
    '',
    '## Task types',
    '',
    ...entries.filter((e) => e.kind === 'task').flatMap((e) => [pluginMarkdown(e), '']),
    '## Trigger types',
    '',
    ...entries.filter((e) => e.kind === 'trigger').flatMap((e) => [pluginMarkdown(e), '']),
  ]
    .join('\n')
    .trimEnd()
    .concat('\n');
}

/** The anchor GitHub gives a `### \`type\` — Title` heading. */
function anchor(type: string, title: string): string {
  return `${type} — ${title}`
    .toLowerCase()
    .replace(/[^\p{L}\p{N}\s_-]/gu, '')
    .replace(/\s/g, '-');
}

/** `tern plugins list`: one line per plugin, kind, type and title aligned, then its aliases. */
export function pluginListText(registry: Registry): string {
  const entries = pluginEntries(registry);
  const width = Math.max(...entries.map((e) => e.def.type.length));
  return entries
    .map((e) => {
      const aliases = e.def.aliases.length > 0 ? `  (${e.def.aliases.join(', ')})` : '';
      return `${e.kind.padEnd(7)} ${e.def.type.padEnd(width)}  ${e.def.title}${aliases}`;
    })
    .join('\n');
}
