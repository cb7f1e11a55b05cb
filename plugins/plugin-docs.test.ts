/** Plugin docs come from the schemas: docs/plugins.md is current, and each part reads as intended. */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Type as T } from '@sinclair/typebox';
import { describe, expect, it } from 'vitest';
import { defineTask, TaskList } from '../protocol/plugin.js';
import { builtinRegistry } from './builtin.js';
import { findPlugin, pluginListText, pluginMarkdown, pluginsMarkdown } from './plugin-docs.js';
import { createRegistry } from './registry.js';
import { plainSchema, propertyRows, typeText } from './schema-text.js';

const ROOT = join(import.meta.dirname, '..');

describe('docs/plugins.md', () => {
  it('matches the plugins’ schemas (regenerate it with `npm run docs:plugins`)', () => {
    const written = readFileSync(join(ROOT, 'docs', 'plugins.md'), 'utf8');
    const current = pluginsMarkdown(builtinRegistry());
    if (written !== current) {
      expect.fail('docs/plugins.md is stale: run `npm run docs:plugins` and commit the result');
    }
  });

  it('documents every task and trigger type of the build', () => {
    const text = pluginsMarkdown(builtinRegistry());
    for (const def of [...builtinRegistry().tasks(), ...builtinRegistry().triggers()]) {
      expect(text).toContain(`### \`${def.type}\``);
    }
  });
});

describe('typeText', () => {
  it('names lists, maps, unions of literals and task lists', () => {
    expect(typeText(plainSchema(T.Array(T.String())))).toBe('list of string');
    expect(typeText(plainSchema(T.Record(T.String(), T.Number())))).toBe('map of number');
    expect(typeText(plainSchema(T.Union([T.Literal('A'), T.Literal('B')])))).toBe('"A" | "B"');
    expect(typeText(plainSchema(TaskList()))).toBe('task list');
    expect(typeText(plainSchema(T.Unknown()))).toBe('any');
  });
});

describe('propertyRows', () => {
  it('lists properties in order with requiredness, defaults and the properties of nested objects', () => {
    const schema = T.Object({
      url: T.String({ description: 'Where' }),
      limits: T.Optional(T.Object({ cpus: T.Number({ default: 1 }) }, { description: 'Limits' })),
    });
    expect(propertyRows(plainSchema(schema))).toEqual([
      { name: 'url', type: 'string', required: true, description: 'Where' },
      { name: 'limits', type: 'object', required: false, description: 'Limits' },
      { name: 'limits.cpus', type: 'number', required: true, default: '1', description: '' },
    ]);
  });
});

describe('plugin pages', () => {
  const echo = defineTask({
    type: 'echo',
    aliases: ['io.example.Echo'],
    title: 'Echo',
    description: 'Returns `text` as outputs.<taskId>.text.',
    properties: T.Object({ text: T.String({ description: 'What | to say' }) }),
    outputs: T.Object({ text: T.String() }),
    examples: [{ title: 'Say hi', code: '- id: hi\n  type: echo\n  text: hi' }],
    run: (props) => ({ outputs: { text: props.text } }),
  });
  const registry = createRegistry([echo]);

  it('finds a plugin by an alias', () => {
    expect(findPlugin(registry, 'io.example.Echo')?.def).toBe(echo);
    expect(findPlugin(registry, 'nothing')).toBeUndefined();
  });

  it('renders the description, aliases, property and output tables and examples as markdown', () => {
    const page = pluginMarkdown({ kind: 'task', def: echo }, 1);
    expect(page).toBe(
      [
        '# `echo` — Echo',
        '',
        'Returns `text` as outputs.&lt;taskId&gt;.text.',
        '',
        'Also written: `io.example.Echo`.',
        '',
        '| Property | Type | Required | Default | Description |',
        '|---|---|---|---|---|',
        '| `text` | string | yes |  | What \\| to say |',
        '',
        'Outputs, as `outputs.<taskId>.<name>`:',
        '',
        '| Output | Type | Description |',
        '|---|---|---|',
        '| `text` | string |  |',
        '',
        'Example: Say hi',
        '',
        '```yaml',
        '- id: hi\n  type: echo\n  text: hi',
        '```',
      ].join('\n'),
    );
  });

  it('lists one plugin per line with its kind, title and aliases', () => {
    expect(pluginListText(registry)).toBe('task    echo  Echo  (io.example.Echo)');
  });
});
